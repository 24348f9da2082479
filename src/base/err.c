/* err.c: descriptions of error codes. */
#include "base/err.h"
#include <string.h>

const char *tn_strerror(int err)
{
	int e = err < 0 ? -err : err;
	switch (e) {
	case TN_EPARSE: return "malformed input";
	case TN_EINVAL_FIELD: return "invalid field";
	case TN_ENOTFOUND: return "not found";
	case TN_ECONFLICT: return "conflict";
	case TN_EAUTH: return "authentication failed";
	case TN_EFORBIDDEN: return "forbidden";
	case TN_ELIMIT: return "limit exceeded";
	case TN_ESTORE: return "storage error";
	case TN_EFORMAT: return "unrecognised file format";
	default: return strerror(e);
	}
}
