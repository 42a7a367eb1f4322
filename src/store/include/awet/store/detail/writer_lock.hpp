#pragma once
// Store::acquire_writer for file-backed stores: POSIX record locks on "<database>.lock" (byte 0
// for the store, one byte per agent role). The kernel drops them when the process dies, and
// F_GETLK names the process holding one, so "in use by PID N" is exact. Internal to src/store.
#include <memory>
#include <string>
#include <string_view>

#include "awet/core/result.hpp"
#include "awet/store/store.hpp"

namespace awet::store_internal {

/// Locks for the database at `db_path`; ":memory:" and URI paths get a lease that locks nothing.
/// A process holds its locks through one descriptor per lease (POSIX record locks are per
/// process: a second lease of the same process never conflicts with the first, and closing it
/// releases both, so a process takes one lease per store).
Result<std::unique_ptr<WriterLease>> lock_database_file(const std::string& db_path, WriterMode mode,
                                                        std::string_view role,
                                                        std::string_view holder);

/// The byte (or advisory-lock key) of an agent role: fixed for the known agents, a hash above
/// them for any other name. 0 is the store-wide lock.
int64_t role_slot(std::string_view role);

/// "awet replay --from 2026-03-20" for a PID (from /proc), or "" when it cannot be read.
std::string describe_process(long pid);

}  // namespace awet::store_internal
