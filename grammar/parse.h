/* parse.h: the front end's entry point (grammar/biz.l + grammar/biz.y).
 *
 * Ownership: the returned tree is the caller's (biz_ast_free); it borrows
 * nothing from src, which may be freed afterwards.
 */
#ifndef BIZ_PARSE_H
#define BIZ_PARSE_H

#include "ast.h"
#include "diag.h"

/* Parses src. Syntax errors are reported through d (all of them: the
 * parser recovers at statement boundaries); the result is never NULL and
 * holds every statement that parsed. */
biz_ast *biz_parse(const biz_source *src, biz_diags *d);

#endif
