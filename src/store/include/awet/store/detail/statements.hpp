#pragma once
// The statements both store backends prepare, by purpose; a backend's own statements are
// numbered from kCommonStmts on. Their SQL: common_statements() (sql_text.hpp). Private to the
// store backends.
#include <cstdint>

namespace awet::store_rows {

enum Stmt : uint8_t {
    kInsertBarMinute,
    kInsertBarDay,
    kLoadBarsMinute,
    kLoadBarsDay,
    kInsertFeatures,
    kLoadFeatures,
    kInsertPrediction,
    kLoadPredictions,
    kInsertRisk,
    kLoadRisk,
    kInsertTrade,
    kUpdateTrade,
    kFindTrade,
    kLoadTrades,
    kUpsertPosition,
    kLoadPositions,
    kInsertAudit,
    kLoadAudit,
    kInsertModel,
    kListModels,
    kFindModel,
    kGreenModel,
    kDeprecateGreen,
    kSetModelGreen,
    kSetModelDeprecated,
    kUpsertDailyPnl,
    kLoadDailyPnl,
    kUpsertCheckpoint,
    kGetCheckpoint,
    kUpsertRun,
    kUnfinishedRun,
    kClaimJobRun,
    kUpsertJobRun,
    kLoadJobRuns,
    kCommonStmts
};

}  // namespace awet::store_rows
