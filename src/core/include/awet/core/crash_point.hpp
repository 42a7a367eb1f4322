#pragma once
// Fault injection for the crash-consistency tests (tests/integration/crash_test.cpp). With
// AWET_CRASH_AT=<point>:<n> in the environment, the process kills itself with SIGKILL (no
// destructor, no flush, no unlock: what a power cut or the OOM killer leaves) the n-th time it
// passes `point`. Without it, crash_point is one well-predicted branch.
//
// The points (where a restart has something to redo):
//   bar           a bar handled through the whole chain (Pipeline::process)
//   order.submit  an order accepted by the broker, before its trades row says so (execution)
//   fill          a fill applied to its trades row (execution)
//   exit          an exit decision published (exits)
//   eod           a day's daily_pnl_summary row written (Pipeline, EOD)
//   store.commit  a batch of the SQLite store written, before its COMMIT
#include <string_view>

namespace awet {

void crash_point(std::string_view point);

}  // namespace awet
