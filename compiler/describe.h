/* describe.h: `bizc --describe-ops`, the operator table (runtime/contract/ops.def)
 * as JSON for tools: every operator with its arguments (type, default,
 * flags, one-line doc), the DAG's own arguments and the compiler's
 * internal marks. The docs test reads it instead of the C source.
 *
 * Ownership: writes to the caller's stream; keeps nothing.
 */
#ifndef BIZ_DESCRIBE_H
#define BIZ_DESCRIBE_H

#include <stdio.h>

/* Writes the table as one JSON object (and a newline) to out; -1 when out
 * of memory or the write fails, else 0. */
int biz_describe_ops(FILE *out);

#endif
