#ifndef CRETUPLESQLITE_SHIM_H
#define CRETUPLESQLITE_SHIM_H

#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a cast macro Swift cannot import: it tells SQLite to
/// copy a bound value before `sqlite3_bind_*` returns.
static inline sqlite3_destructor_type retuple_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
