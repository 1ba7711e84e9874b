/* sema.h: semantic analysis, from the syntax tree to the checked DAGs.
 *
 * Evaluates module constants, binds the DAG arguments, checks every
 * operator call against the operator table (runtime/contract/ops.c), expands task
 * groups, resolves dependencies and task references, checks templates and
 * rejects cycles and Python that cannot be compiled. Every problem is
 * reported through the biz_diags given (all of them, not just the first).
 *
 * Ownership: biz_sema_check borrows the tree and the diagnostics; the
 * returned IR is the caller's (biz_ir_free). It is never NULL.
 */
#ifndef BIZ_SEMA_H
#define BIZ_SEMA_H

#include "ast.h"
#include "diag.h"
#include "ir.h"

/* Checks ast; the IR holds every DAG of the file (meaningful only when
 * d->nerrors is 0 afterwards). */
biz_ir *biz_sema_check(const biz_ast *ast, biz_diags *d);
/* The same, freeing ast (biz_ast_free) as soon as it is no longer read,
 * before the IR is built: the IR borrows nothing from it. */
biz_ir *biz_sema_check_free(biz_ast *ast, biz_diags *d);

#endif
