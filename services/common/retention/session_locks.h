#pragma once

// The lock that keeps an erasure and the worker's writes of the same session
// apart (README.md): the worker holds it shared, from the start of a
// transaction that writes a session until it commits; an erasure (and
// retention deleting an expired session's rows) holds it exclusively while
// it deletes and leaves its tombstone. So an erasure deletes what the worker
// committed, and the worker, once it has the lock, sees the tombstone and
// writes nothing. PostgreSQL advisory transaction locks, one per session
// (a hash of its id: a collision only makes two sessions wait on each
// other), always taken in the same order so two holders never deadlock.

#include <string>

namespace ingest {

// A statement taking the locks of the sessions in its text[] parameter $1.
// Run it alone (its own statement, before reading the tombstones: a
// statement sees what was committed when it began).
std::string LockSessionsSql(bool exclusive);

}  // namespace ingest
