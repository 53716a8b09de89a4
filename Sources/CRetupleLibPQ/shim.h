#ifndef CRETUPLELIBPQ_SHIM_H
#define CRETUPLELIBPQ_SHIM_H

#include <libpq-fe.h>

#endif
