// ONNX export parity: the exported graph, run in ONNX Runtime (tools/onnx/run_onnx.mjs with the
// onnxruntime-node package), gives libtorch's outputs within 1e-4 on random batches of random
// models and on held-out windows of a trained one. Fails (does not skip) when node or
// onnxruntime-node is missing.
#include "onnx_export.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "awet/data/synthetic_market.hpp"
#include "awet/ml/tft_module.hpp"
#include "awet/pipeline/runner.hpp"
#include "awet_test_support.hpp"
#include "model_io.hpp"
#include "trainer.hpp"

namespace awet::tft {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kTolerance = 1e-4;

const fs::path kToolDir = fs::path(AWET_SOURCE_DIR) / "tools" / "onnx";
const fs::path kRunner = kToolDir / "run_onnx.mjs";

using awet::testing::CommandResult;
using awet::testing::run_command;

/// Appends a quoted path argument to a shell command.
void append_arg(std::string& command, const fs::path& p) {
    command += " '";
    command += p.string();
    command += "'";
}

/// Whether node and onnxruntime-node are there; the reason and the remedy when not.
::testing::AssertionResult onnx_runtime_installed() {
    const char* remedy =
        ". The ONNX parity test needs node and onnxruntime-node: run scripts/install_deps.sh "
        "(nodejs + npm from apt, then `npm ci --ignore-scripts` in tools/onnx)";
    const CommandResult node = run_command("node --version");
    if (node.code != 0) {
        return ::testing::AssertionFailure() << "`node` is not on PATH: " << node.out << remedy;
    }
    if (!fs::exists(kToolDir / "node_modules" / "onnxruntime-node" / "package.json")) {
        return ::testing::AssertionFailure()
               << "onnxruntime-node is not installed in " << kToolDir.string() << remedy;
    }
    return ::testing::AssertionSuccess();
}

/// A model with every parameter moved off its initial value (LayerNorm scales, zero biases ...),
/// so that each weight shows in the outputs; in eval mode.
TemporalFusionTransformer random_model(const TftConfig& config, uint64_t seed) {
    torch::manual_seed(seed);
    TemporalFusionTransformer model(config);
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.add_(0.3 * torch::randn_like(p));
    model->eval();
    return model;
}

TftInputs random_inputs(const TftConfig& c, int64_t batch) {
    return {torch::randint(0, c.n_symbols, {batch}, torch::kLong),
            torch::randn({batch, c.lookback, c.n_observed}),
            torch::randn({batch, c.lookback, c.n_known}),
            torch::randn({batch, c.n_horizons, c.n_known})};
}

json tensor_json(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    json spec{{"dims", c.sizes().vec()}};
    if (c.scalar_type() == torch::kLong) {
        spec["type"] = "int64";
        spec["data"] =
            std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
    } else {
        spec["type"] = "float32";
        spec["data"] = std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    }
    return spec;
}

torch::Tensor json_tensor(const json& spec) {
    const std::vector<int64_t> dims = spec.at("dims").get<std::vector<int64_t>>();
    std::vector<float> data = spec.at("data").get<std::vector<float>>();
    return torch::tensor(data).view(dims);
}

/// Runs the ONNX model at `model_path` on each batch in one runtime session.
std::vector<json> run_onnx_runtime(const fs::path& model_path,
                                   const std::vector<TftInputs>& batches,
                                   const awet::testing::TempDir& dir) {
    std::string command = "node";
    append_arg(command, kRunner);
    append_arg(command, model_path);
    std::vector<fs::path> outputs;
    for (size_t i = 0; i < batches.size(); ++i) {
        const TftInputs& in = batches[i];
        const json inputs{{"static_symbol", tensor_json(in.symbol)},
                          {"encoder_observed", tensor_json(in.encoder_observed)},
                          {"encoder_known", tensor_json(in.encoder_known)},
                          {"decoder_known", tensor_json(in.decoder_known)}};
        const fs::path input_path = dir.file(std::string("inputs_") + std::to_string(i) + ".json");
        std::ofstream(input_path) << inputs.dump();
        outputs.push_back(dir.file(std::string("outputs_") + std::to_string(i) + ".json"));
        append_arg(command, input_path);
        append_arg(command, outputs.back());
    }
    const CommandResult run = run_command(command);
    EXPECT_EQ(run.code, 0) << command << "\n" << run.out;
    std::vector<json> results;
    for (const fs::path& p : outputs) {
        std::ifstream file(p);
        results.push_back(file ? json::parse(file) : json::object());
    }
    return results;
}

void expect_close(const json& outputs, const std::string& name, const torch::Tensor& expected,
                  const std::string& where) {
    ASSERT_TRUE(outputs.contains(name))
        << where << ": ONNX Runtime gave no output '" << name << "'";
    const torch::Tensor actual = json_tensor(outputs.at(name));
    ASSERT_EQ(actual.sizes().vec(), expected.sizes().vec()) << where << ": " << name;
    const double diff = (actual - expected).abs().max().item<double>();
    EXPECT_LE(diff, kTolerance) << where << ": " << name << " differs from libtorch by " << diff;
}

/// Runs the exported model at `model_path` in ONNX Runtime on `batches` and compares every output
/// with `model`'s.
void expect_parity_on(TemporalFusionTransformerImpl& model, const fs::path& model_path,
                      const std::vector<TftInputs>& batches, const awet::testing::TempDir& dir) {
    const std::vector<json> results = run_onnx_runtime(model_path, batches, dir);
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < batches.size(); ++i) {
        const std::string where = "batch of " + std::to_string(batches[i].symbol.size(0));
        const json& outputs = results[i];
        std::vector<std::string> names;
        for (const auto& item : outputs.items()) names.push_back(item.key());
        EXPECT_EQ(names.size(), 4U) << where << ": " << outputs.dump().substr(0, 200);

        const TftOutputs expected = model.forward(batches[i]);
        expect_close(outputs, "quantiles", expected.quantiles, where);
        expect_close(outputs, "attention", expected.attention, where);
        expect_close(outputs, "encoder_weights", expected.encoder_weights, where);
        expect_close(outputs, "decoder_weights", expected.decoder_weights, where);
    }
}

/// Exports `model`, runs ONNX Runtime on random batches of the given sizes, compares every output.
void expect_parity(TemporalFusionTransformerImpl& model, const std::vector<int64_t>& batch_sizes) {
    ASSERT_TRUE(onnx_runtime_installed());
    const awet::testing::TempDir dir;
    const fs::path model_path = dir.file("tft.onnx");
    const Status exported = export_tft_onnx(model, model_path.string());
    ASSERT_TRUE(exported.ok()) << exported.error().to_string();
    std::vector<TftInputs> batches;
    for (int64_t b : batch_sizes) batches.push_back(random_inputs(model.config, b));
    expect_parity_on(model, model_path, batches, dir);
}

TEST(TftOnnxExport, SmallModelMatchesLibtorch) {
    TftConfig config;
    config.n_symbols = 5;
    config.hidden = 8;
    config.heads = 4;
    config.lookback = 24;
    TemporalFusionTransformer model = random_model(config, 7);
    torch::manual_seed(11);
    expect_parity(*model, {1, 7, 3});
}

TEST(TftOnnxExport, DefaultModelMatchesLibtorch) {
    TftConfig config;  // hidden 16, 4 heads, lookback 120
    config.n_symbols = 7;
    TemporalFusionTransformer model = random_model(config, 42);
    torch::manual_seed(43);
    expect_parity(*model, {1, 7});
}

TEST(TftOnnxExport, TrainedModelMatchesOnHeldOutWindows) {
    // A model trained on a synthetic market, exported through the module (`awet models
    // export-onnx`), run on windows of the test session it never trained on.
    ASSERT_TRUE(onnx_runtime_installed());
    const awet::testing::TempDir dir;
    SyntheticMarketConfig market;
    market.seed = 5;
    market.symbols = {"AAA", "BBB", "CCC", "DDD"};
    market.days = 4;
    const std::vector<FeatureVector> rows =
        compute_features(generate_synthetic_market(market), market.seed);
    TftTrainOptions options;
    options.hp.lookback = 30;
    options.hp.hidden = 8;
    options.hp.heads = 2;
    options.hp.max_epochs = 2;
    options.max_train_windows = 1024;
    options.model_dir = dir.path().string();
    options.model_id = "tft-onnx";
    auto report = train_tft(rows, options);
    ASSERT_TRUE(report.ok()) << report.error().message;

    auto module = load_tft_module();
    ASSERT_TRUE(module.ok()) << module.error().message;
    const fs::path onnx = dir.file("tft-onnx.onnx");
    const Status exported = (*module)->export_onnx(report->metadata_path, onnx.string());
    ASSERT_TRUE(exported.ok()) << exported.error().to_string();

    auto loaded = load_tft(report->metadata_path);
    ASSERT_TRUE(loaded.ok());
    const TftData data = build_tft_data(rows);
    const TftTensors tensors(data, loaded->artifact.norm, options.hp.lookback);
    const std::vector<TftWindow> held_out = tensors.known_symbols(
        tft_windows(data, options.hp.lookback, report->test_from, Timestamp::from_ns(INT64_MAX)));
    ASSERT_GE(held_out.size(), 40U);
    const std::span<const TftWindow> all(held_out);
    expect_parity_on(*loaded->model, onnx,
                     {tensors.inputs(all.subspan(0, 4)), tensors.inputs(all.subspan(4, 36))}, dir);
}

TEST(TftOnnxExport, ExportIgnoresTrainingMode) {
    // Dropout is the identity in the exported graph, whatever mode the model is in when exported.
    TftConfig config;
    config.n_symbols = 3;
    config.hidden = 8;
    config.heads = 2;
    config.lookback = 16;
    config.dropout = 0.5;
    TemporalFusionTransformer model = random_model(config, 3);
    const awet::testing::TempDir dir;
    model->train();
    ASSERT_TRUE(export_tft_onnx(*model, dir.file("train.onnx")).ok());
    model->eval();
    ASSERT_TRUE(export_tft_onnx(*model, dir.file("eval.onnx")).ok());
    std::ifstream train(dir.file("train.onnx"), std::ios::binary);
    std::ifstream eval(dir.file("eval.onnx"), std::ios::binary);
    const std::string train_bytes{std::istreambuf_iterator<char>(train), {}};
    const std::string eval_bytes{std::istreambuf_iterator<char>(eval), {}};
    EXPECT_FALSE(eval_bytes.empty());
    EXPECT_EQ(train_bytes, eval_bytes);
}

TEST(TftOnnxExport, UnwritablePathIsAnErrorNamingIt) {
    TftConfig config;
    config.hidden = 8;
    config.lookback = 8;
    TemporalFusionTransformer model = random_model(config, 1);
    const awet::testing::TempDir dir;
    const std::string path = dir.file("no-such-dir/model.onnx");
    const Status status = export_tft_onnx(*model, path);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kIo);
    EXPECT_NE(status.error().message.find(path), std::string::npos) << status.error().message;
    EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace awet::tft
