/* err.h: error codes shared by every module. Functions return 0 or a negative errno. */
#ifndef TANDEM_BASE_ERR_H
#define TANDEM_BASE_ERR_H

#include <errno.h>

/* tandem's own codes live above the errno range; all are returned negated. */
enum tn_err {
	TN_EPARSE = 2000,   /* malformed input (JSON, UTF-8, TZif...) */
	TN_EINVAL_FIELD,    /* a field failed validation */
	TN_ENOTFOUND,       /* unknown id, or another tenant's id */
	TN_ECONFLICT,       /* unique constraint or state conflict */
	TN_EAUTH,           /* bad credentials */
	TN_EFORBIDDEN,      /* authenticated but not allowed */
	TN_ELIMIT,          /* a size or rate limit */
	TN_ESTORE,          /* the database failed */
	TN_EFORMAT,         /* a file of the wrong format or version */
};

/* Returns a static, human-readable description of a negative error code. */
const char *tn_strerror(int err);

#endif
