/* ckpt: the library under the ckpt command. Include this for everything. */
#ifndef CKPT_CKPT_H
#define CKPT_CKPT_H

#define CKPT_VERSION "0.1.0"

#include "ckpt/diag.h"
#include "ckpt/dtype.h"
#include "ckpt/inspect.h"
#include "ckpt/io.h"
#include "ckpt/model.h"
#include "ckpt/rules.h"

#endif
