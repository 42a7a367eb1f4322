#pragma once
// What the Store contract tests need from a backend: a database that outlives each Store object
// (so tests can close and reopen), and schema introspection. One harness per backend; the contract
// suite is instantiated over their factories (see store_contract_test.cpp, bottom).
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "awet/core/result.hpp"
#include "awet/store/store.hpp"

namespace awet::testing {

/// One throwaway database of one backend. Owned by a test; single-threaded.
class StoreHarness {
public:
    virtual ~StoreHarness() = default;
    /// A new Store on this harness's database (the same database on every call), not migrated.
    virtual Result<std::unique_ptr<Store>> open(int batch_size) = 0;
    /// Column names of `table` in declaration order; empty if the table does not exist.
    virtual std::vector<std::string> columns(const std::string& table) = 0;
    /// The schema version migrate() must reach.
    virtual int latest_version() const = 0;
};

struct StoreBackend {
    std::string name;  // test-name suffix: "sqlite", "postgres"
    std::function<std::unique_ptr<StoreHarness>()> make;
};

inline void PrintTo(const StoreBackend& b, std::ostream* os) { *os << b.name; }

StoreBackend sqlite_backend();
/// A throwaway PostgreSQL 15 server (one per test program), a fresh database per harness.
StoreBackend postgres_backend();

}  // namespace awet::testing
