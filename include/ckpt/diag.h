/* ckpt: diagnostics.
 *
 * Library functions never print and never exit. They return a ck_status and
 * describe what went wrong in a ck_diag: which rule was broken, in which file,
 * at which byte offset, for which metadata key or tensor.
 *
 * A ck_diag works in one of two modes:
 *   - strict (collect == 0): the first error stops the operation; the diag
 *     holds exactly that one finding. This is what every command but lint uses.
 *   - collect (collect != 0): readers record every broken rule they can and
 *     keep going wherever the rest of the file can still be read safely.
 */
#ifndef CKPT_DIAG_H
#define CKPT_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ck_status {
    CK_OK = 0,
    CK_ERR_IO,      /* cannot open, stat or map a file */
    CK_ERR_FORMAT,  /* the input breaks a rule of its format */
    CK_ERR_NOMEM,   /* an allocation failed */
    CK_ERR_USAGE    /* the caller asked for something impossible */
} ck_status;

typedef enum ck_severity {
    CK_SEV_INFO = 0,
    CK_SEV_WARNING = 1,
    CK_SEV_ERROR = 2
} ck_severity;

/* A rule: one thing a file must (error) or should (warning, info) satisfy.
 * Rules are static tables; a finding points at its rule. */
typedef struct ck_rule {
    const char *code;      /* stable identifier, e.g. "gguf.tensor_overlap" */
    ck_severity severity;
    const char *title;     /* one line: what the rule says */
    const char *why;       /* where it comes from, or why it matters */
} ck_rule;

#define CK_NO_OFFSET (-1)

/* One broken rule, and where. Strings are owned by the diag. */
typedef struct ck_finding {
    const ck_rule *rule;
    char *message;         /* what is wrong, in one line */
    char *file;            /* file path, or NULL */
    int64_t offset;        /* byte offset in that file, or CK_NO_OFFSET */
    char *key;             /* metadata key, or NULL */
    char *tensor;          /* tensor name, or NULL */
} ck_finding;

typedef struct ck_diag {
    int collect;           /* 0: stop at the first error; 1: record and go on */
    ck_status status;      /* status of the first error, CK_OK if none */
    ck_finding *items;
    size_t count, cap;
} ck_diag;

/* Where a finding is. Any field may be NULL / CK_NO_OFFSET. Key and tensor
 * names may come from hostile files: they are copied as bytes, with a length. */
typedef struct ck_where {
    const char *file;
    int64_t offset;
    const char *key;
    size_t key_len;
    const char *tensor;
    size_t tensor_len;
} ck_where;

void ck_diag_init(ck_diag *d, int collect);
void ck_diag_free(ck_diag *d);

/* Record a finding. Returns 1 when the caller may go on (collect mode and a
 * rule whose breach leaves the rest of the input readable: pass
 * can_continue = 1), 0 when it must stop. Errors set d->status. */
int ck_report(ck_diag *d, const ck_rule *rule, ck_status status, int can_continue,
              const ck_where *where, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
int ck_vreport(ck_diag *d, const ck_rule *rule, ck_status status, int can_continue,
               const ck_where *where, const char *fmt, va_list ap);

/* Number of findings at or above a severity. */
size_t ck_diag_count(const ck_diag *d, ck_severity at_least);

/* The first error-level finding, or NULL. */
const ck_finding *ck_diag_first_error(const ck_diag *d);

#ifdef __cplusplus
}
#endif

#endif
