/* driver.c: `bizc --check` on many files without an exec per file.
 *
 * bizc loads some thirty shared libraries (libcurl's), which costs more
 * than checking a file; tests/robust feeds it tens of thousands of
 * variants. This driver links the same front end and runs main.c's --check
 * path (read, parse, sema) in a forked child per file, so a crash stays a
 * crash (a signal), a hang is killed after 30 s and each child's stderr is
 * inspected as bizc's would be.
 *
 * Reads paths from stdin, one per line; for each prints
 * "VERDICT<TAB>PATH" to stdout: ok, errors (exit 1 with an error line),
 * or a failure: "exit N", "exit 1 without an error line", "signal N",
 * "sanitizer report".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "diag.h"
#include "parse.h"
#include "sema.h"

/* main.c's --check: 0 clean, 1 errors, 2 unreadable. */
static int check(const char *path)
{
    biz_source *src = biz_source_read(path);
    if (!src) {
        fprintf(stderr, "bizc: cannot read %s\n", path);
        return 2;
    }
    biz_diags d;
    biz_diags_init(&d, src, stderr);
    biz_ast *ast = biz_parse(src, &d);
    biz_ir *ir = biz_sema_check(ast, &d);
    int status = d.nerrors > 0;
    biz_ir_free(ir);
    biz_ast_free(ast);
    biz_diags_free(&d);
    biz_source_free(src);
    return status;
}

int main(void)
{
    char tmpl[] = "/tmp/bizc-robust-err.XXXXXX";
    int efd = mkstemp(tmpl);
    if (efd < 0) {
        perror("mkstemp");
        return 2;
    }
    unlink(tmpl);
    static char line[8192], err[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (!*line)
            continue;
        if (ftruncate(efd, 0) != 0 || lseek(efd, 0, SEEK_SET) != 0) {
            perror("ftruncate");
            return 2;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            dup2(efd, STDERR_FILENO);
            alarm(30);
            int st = check(line);
            fflush(stderr);
            _exit(st);
        }
        int ws;
        if (waitpid(pid, &ws, 0) < 0) {
            perror("waitpid");
            return 2;
        }
        ssize_t n = pread(efd, err, sizeof err - 1, 0);
        err[n > 0 ? n : 0] = '\0';
        const char *verdict;
        char buf[64];
        if (strstr(err, "Sanitizer") || strstr(err, "runtime error:"))
            verdict = "sanitizer report";
        else if (WIFSIGNALED(ws)) {
            snprintf(buf, sizeof buf, "signal %d", WTERMSIG(ws));
            verdict = buf;
        } else if (WEXITSTATUS(ws) == 0)
            verdict = "ok";
        else if (WEXITSTATUS(ws) == 1)
            verdict = strstr(err, ": error: ") ? "errors" : "exit 1 without an error line";
        else {
            snprintf(buf, sizeof buf, "exit %d", WEXITSTATUS(ws));
            verdict = buf;
        }
        printf("%s\t%s\n", verdict, line);
    }
    return 0;
}
