// ONNX export of the TFT: TemporalFusionTransformerImpl::forward() in eval mode (no dropout),
// rebuilt node by node with the ONNX protobuf classes. One helper per building block, mirroring
// grn.cpp, variable_selection.cpp, attention.cpp and tft_model.cpp; each helper reads the weights
// of the torch module it mirrors, and every weight becomes an initializer named after its
// parameter (model.named_parameters()).
#include "onnx_export.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

namespace awet::tft {
namespace {
// A named namespace inside the anonymous one: src/ml/tft is a unity build.
namespace onnx_graph {

using Value = std::string;  // a value of the graph, by name
using Attribute = onnx::AttributeProto;

constexpr int64_t kOpset = 17;  // LayerNormalization needs 17
constexpr int64_t kIrVersion = 8;
constexpr int64_t kBatch = -1;  // a dimension of value_info(): the symbolic "batch"

Attribute attr(const std::string& name, int64_t v) {
    Attribute a;
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(v);
    return a;
}

Attribute attr(const std::string& name, float v) {
    Attribute a;
    a.set_name(name);
    a.set_type(onnx::AttributeProto::FLOAT);
    a.set_f(v);
    return a;
}

Attribute attr(const std::string& name, const std::vector<int64_t>& v) {
    Attribute a;
    a.set_name(name);
    a.set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a.add_ints(x);
    return a;
}

/// The graph under construction: nodes, initializers, and the names of the model's weights.
class GraphBuilder {
public:
    GraphBuilder(onnx::GraphProto& graph, torch::nn::Module& model) : graph_(graph) {
        for (const auto& p : model.named_parameters())
            names_[p.value().unsafeGetTensorImpl()] = p.key();
        for (const auto& b : model.named_buffers())
            names_[b.value().unsafeGetTensorImpl()] = b.key();
    }

    /// A parameter or buffer of the model as a float32 initializer named after it.
    Value weight(const torch::Tensor& t) { return initializer(name_of(t), t); }
    /// Its transpose (a torch Linear computes x W^T), named "<parameter>^T".
    Value weight_t(const torch::Tensor& t) { return initializer(name_of(t) + "^T", t.t()); }
    /// A tensor derived from the weights (e.g. the LSTM's reordered gates), under a given name;
    /// int64 tensors stay int64, the rest become float32.
    Value initializer(const std::string& name, const torch::Tensor& t) {
        if (!added_.insert(name).second) return name;
        const bool is_int = t.scalar_type() == torch::kLong;
        const torch::Tensor c =
            t.detach().to(torch::kCPU, is_int ? torch::kLong : torch::kFloat).contiguous();
        onnx::TensorProto* proto = graph_.add_initializer();
        proto->set_name(name);
        proto->set_data_type(is_int ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
        for (int64_t d : c.sizes()) proto->add_dims(d);
        // raw_data is little-endian, as on every host libtorch runs on here.
        proto->set_raw_data(c.data_ptr(), c.numel() * c.element_size());
        return name;
    }
    /// An int64 constant (axes, shapes, slice bounds), one initializer per distinct value.
    Value ints(const std::vector<int64_t>& v) {
        return initializer(fmt::format("i64[{}]", fmt::join(v, ",")),
                           torch::tensor(v, torch::dtype(torch::kLong)));
    }
    Value scalar(float v) { return initializer(fmt::format("f32({})", v), torch::tensor(v)); }

    /// One node with one output.
    Value op(const std::string& type, const std::vector<Value>& inputs,
             const std::vector<Attribute>& attributes = {}) {
        return op(type, inputs, 1, attributes)[0];
    }
    /// One node with `outputs` outputs.
    std::vector<Value> op(const std::string& type, const std::vector<Value>& inputs, int outputs,
                          const std::vector<Attribute>& attributes = {}) {
        onnx::NodeProto* node = graph_.add_node();
        const int64_t id = counter_++;
        node->set_name(fmt::format("{}_{}", type, id));
        node->set_op_type(type);
        for (const Value& in : inputs) node->add_input(in);
        std::vector<Value> result;
        for (int i = 0; i < outputs; ++i) {
            result.push_back(fmt::format("{}_{}:{}", type, id, i));
            node->add_output(result.back());
        }
        for (const Attribute& a : attributes) *node->add_attribute() = a;
        return result;
    }

    void input(const std::string& name, int32_t type, const std::vector<int64_t>& dims) {
        value_info(graph_.add_input(), name, type, dims);
    }
    /// Names `value` as a graph output.
    void output(const std::string& name, const Value& value, const std::vector<int64_t>& dims) {
        onnx::NodeProto* node = graph_.add_node();
        node->set_name("output_" + name);
        node->set_op_type("Identity");
        node->add_input(value);
        node->add_output(name);
        value_info(graph_.add_output(), name, onnx::TensorProto::FLOAT, dims);
    }

private:
    const std::string& name_of(const torch::Tensor& t) const {
        const auto it = names_.find(t.unsafeGetTensorImpl());
        if (it == names_.end()) throw std::logic_error("a tensor that is not a model parameter");
        return it->second;
    }
    static void value_info(onnx::ValueInfoProto* info, const std::string& name, int32_t type,
                           const std::vector<int64_t>& dims) {
        info->set_name(name);
        onnx::TypeProto_Tensor* tensor = info->mutable_type()->mutable_tensor_type();
        tensor->set_elem_type(type);
        for (int64_t d : dims) {
            onnx::TensorShapeProto_Dimension* dim = tensor->mutable_shape()->add_dim();
            if (d == kBatch) {
                dim->set_dim_param("batch");
            } else {
                dim->set_dim_value(d);
            }
        }
    }

    onnx::GraphProto& graph_;
    std::map<const void*, std::string> names_;
    std::set<std::string> added_;
    int64_t counter_ = 0;
};

// ---- grn.cpp ----------------------------------------------------------------------------------

/// torch::nn::Linear: x W^T (+ b).
Value linear(GraphBuilder& g, const Value& x, torch::nn::LinearImpl& m) {
    const Value y = g.op("MatMul", {x, g.weight_t(m.weight)});
    return m.bias.defined() ? g.op("Add", {y, g.weight(m.bias)}) : y;
}

/// Layer normalisation over the last axis.
Value layer_norm(GraphBuilder& g, const Value& x, torch::nn::LayerNormImpl& m) {
    return g.op("LayerNormalization", {x, g.weight(m.weight), g.weight(m.bias)},
                {attr("axis", int64_t{-1}), attr("epsilon", static_cast<float>(m.options.eps()))});
}

/// GLU(γ) = σ(W4 γ + b4) ⊙ (W5 γ + b5)   (eq. 5)
Value glu(GraphBuilder& g, const Value& x, GatedLinearUnitImpl& m) {
    return g.op("Mul", {g.op("Sigmoid", {linear(g, x, *m.gate)}), linear(g, x, *m.value)});
}

/// LayerNorm(skip + GLU(x)); dropout is the identity in eval mode.
Value gate_add_norm(GraphBuilder& g, const Value& x, const Value& skip, GateAddNormImpl& m) {
    return layer_norm(g, g.op("Add", {skip, glu(g, x, *m.glu)}), *m.norm);
}

/// GRN_ω(a, c) = LayerNorm(a' + GLU(W1 ELU(W2 a + W3 c + b2) + b1))   (eqs. 2-4); c may be "".
Value grn(GraphBuilder& g, const Value& a, const Value& c, GrnImpl& m) {
    Value pre = linear(g, a, *m.fc2);
    if (m.context && !c.empty()) pre = g.op("Add", {pre, linear(g, c, *m.context)});
    const Value eta1 = linear(g, g.op("Elu", {pre}), *m.fc1);
    return gate_add_norm(g, eta1, m.skip ? linear(g, a, *m.skip) : a, *m.gate_norm);
}

/// per_variable_linear: einsum("...ni,nio->...no", x, w) + b, as a broadcast MatMul of
/// x [..., n, 1, i] with w [n, i, o].
Value per_variable_linear(GraphBuilder& g, const Value& x, const torch::Tensor& w,
                          const torch::Tensor& b) {
    const Value rows = g.op("Unsqueeze", {x, g.ints({-2})});
    const Value y = g.op("Squeeze", {g.op("MatMul", {rows, g.weight(w)}), g.ints({-2})});
    return g.op("Add", {y, g.weight(b)});
}

/// The n per-variable GRNs of VariableGrnsImpl: x [..., n, d] -> [..., n, d].
Value variable_grns(GraphBuilder& g, const Value& x, VariableGrnsImpl& m) {
    const Value eta2 = g.op("Elu", {per_variable_linear(g, x, m.w2, m.b2)});  // eq. 3
    const Value eta1 = per_variable_linear(g, eta2, m.w1, m.b1);              // eq. 4
    const Value gate = g.op("Sigmoid", {per_variable_linear(g, eta1, m.w_gate, m.b_gate)});
    const Value glu = g.op("Mul", {gate, per_variable_linear(g, eta1, m.w_value, m.b_value)});
    const Value y = g.op("Add", {x, glu});  // eq. 2
    // Plain normalisation, then the per-variable affine [n, d] (LayerNormalization's scale and
    // bias are [d] only).
    const int64_t d = m.w2.size(-1);
    const Value ones = g.initializer(fmt::format("ones_{}", d), torch::ones({d}));
    const Value zeros = g.initializer(fmt::format("zeros_{}", d), torch::zeros({d}));
    const Value normed = g.op("LayerNormalization", {y, ones, zeros},
                              {attr("axis", int64_t{-1}), attr("epsilon", 1e-5F)});
    return g.op("Add", {g.op("Mul", {normed, g.weight(m.gamma)}), g.weight(m.beta)});
}

// ---- variable_selection.cpp -------------------------------------------------------------------

/// ξ^(j) = x_j W_j + b_j: x [..., n] -> [..., n, d].
Value continuous_embedding(GraphBuilder& g, const Value& x, ContinuousEmbeddingImpl& m) {
    const Value column = g.op("Unsqueeze", {x, g.ints({-1})});
    return g.op("Add", {g.op("Mul", {column, g.weight(m.weight)}), g.weight(m.bias)});
}

struct Selection {
    Value selected;  // [..., d]
    Value weights;   // [..., n]
};

/// Eqs. 6-8. x [..., n, d] of the given rank; c [..., context] or "".
Selection variable_selection(GraphBuilder& g, const Value& x, int64_t rank, const Value& c,
                             VariableSelectionImpl& m) {
    // Ξ = x.flatten(-2): keep the leading dims (0 = copy), merge the last two.
    std::vector<int64_t> flat_shape(static_cast<size_t>(rank - 2), 0);
    flat_shape.push_back(-1);
    const Value flat = g.op("Reshape", {x, g.ints(flat_shape)});
    const Value weights =
        g.op("Softmax", {grn(g, flat, c, *m.weights_grn)}, {attr("axis", int64_t{-1})});  // eq. 6
    const Value processed = variable_grns(g, x, *m.grns);                                 // eq. 7
    const Value weighted = g.op("Mul", {g.op("Unsqueeze", {weights, g.ints({-1})}), processed});
    const Value selected =
        g.op("ReduceSum", {weighted, g.ints({-2})}, {attr("keepdims", int64_t{0})});  // eq. 8
    return {selected, weights};
}

// ---- attention.cpp ----------------------------------------------------------------------------

struct Attended {
    Value output;     // [B, Tq, d]
    Value attention;  // [B, Tq, Tk], mean over heads
};

/// Interpretable multi-head attention (eqs. 10, 14-16); q [B, Tq, d], k = v [B, Tk, d].
Attended attention(GraphBuilder& g, const Value& q, const Value& kv, const Value& mask,
                   InterpretableAttentionImpl& m) {
    // [B, T, heads * d_attn] -> [B, T, heads, d_attn] -> [B, heads, T, d_attn]
    const Value heads_shape = g.ints({0, 0, m.heads, m.d_attn});
    const Value qh = g.op("Transpose", {g.op("Reshape", {linear(g, q, *m.w_q), heads_shape})},
                          {attr("perm", std::vector<int64_t>{0, 2, 1, 3})});
    // Keys straight to [B, heads, d_attn, T]: K^T.
    const Value kt = g.op("Transpose", {g.op("Reshape", {linear(g, kv, *m.w_k), heads_shape})},
                          {attr("perm", std::vector<int64_t>{0, 2, 3, 1})});
    const float scale = static_cast<float>(std::sqrt(static_cast<double>(m.d_attn)));
    Value scores = g.op("Div", {g.op("MatMul", {qh, kt}), g.scalar(scale)});
    scores = g.op("Add", {scores, mask});
    const Value weights = g.op("Softmax", {scores}, {attr("axis", int64_t{-1})});  // eq. 10
    const Value mean = g.op("ReduceMean", {weights},
                            {attr("axes", std::vector<int64_t>{1}), attr("keepdims", int64_t{0})});
    const Value h = g.op("MatMul", {mean, linear(g, kv, *m.w_v)});  // eqs. 14-15
    return {linear(g, h, *m.w_h), mean};                            // eq. 16
}

// ---- tft_model.cpp ----------------------------------------------------------------------------

struct LstmResult {
    Value output;            // [B, T, d]
    Value state_h, state_c;  // [1, B, d]
};

/// torch's gate blocks [i, f, g, o] in ONNX's order [i, o, f, c].
torch::Tensor onnx_gate_order(const torch::Tensor& t) {
    const std::vector<torch::Tensor> gates = t.chunk(4, 0);
    return torch::cat({gates[0], gates[3], gates[1], gates[2]}, 0);
}

/// A one-layer batch-first torch LSTM. ONNX Runtime implements only layout 0 ([T, B, d]), hence
/// the transposes around the node.
LstmResult lstm(GraphBuilder& g, const Value& x, const Value& h0, const Value& c0,
                torch::nn::LSTMImpl& m, const std::string& name) {
    const auto& o = m.options;
    if (o.num_layers() != 1 || o.bidirectional() || !o.bias() || !o.batch_first() ||
        o.proj_size() != 0) {
        throw std::invalid_argument(name +
                                    ": only one-layer, unidirectional, batch-first LSTMs "
                                    "with biases are exported");
    }
    auto p = m.named_parameters();
    const Value w = g.initializer(name + ".W", onnx_gate_order(p["weight_ih_l0"]).unsqueeze(0));
    const Value r = g.initializer(name + ".R", onnx_gate_order(p["weight_hh_l0"]).unsqueeze(0));
    const Value b = g.initializer(name + ".B", torch::cat({onnx_gate_order(p["bias_ih_l0"]),
                                                           onnx_gate_order(p["bias_hh_l0"])})
                                                   .unsqueeze(0));
    const Value time_major = g.op("Transpose", {x}, {attr("perm", std::vector<int64_t>{1, 0, 2})});
    const std::vector<Value> out = g.op("LSTM", {time_major, w, r, b, /*sequence_lens=*/"", h0, c0},
                                        3, {attr("hidden_size", o.hidden_size())});
    // Y [T, 1, B, d] -> [T, B, d] -> [B, T, d]
    const Value y = g.op("Squeeze", {out[0], g.ints({1})});
    return {g.op("Transpose", {y}, {attr("perm", std::vector<int64_t>{1, 0, 2})}), out[1], out[2]};
}

/// Raw [.., 3] -> (o1 - softplus(o0), o1, o1 + softplus(o2)), as ordered_quantiles().
Value ordered_quantiles(GraphBuilder& g, const Value& raw) {
    const std::vector<Value> o = g.op("Split", {raw}, 3, {attr("axis", int64_t{-1})});
    const Value q10 = g.op("Sub", {o[1], g.op("Softplus", {o[0]})});
    const Value q90 = g.op("Add", {o[1], g.op("Softplus", {o[2]})});
    return g.op("Concat", {q10, o[1], q90}, {attr("axis", int64_t{-1})});
}

/// The whole forward(): static contexts, encoder selection, decode.
void build(GraphBuilder& g, TemporalFusionTransformerImpl& m) {
    const TftConfig& c = m.config;
    const int64_t L = c.lookback;
    const int64_t H = c.n_horizons;
    g.input("static_symbol", onnx::TensorProto::INT64, {kBatch});
    g.input("encoder_observed", onnx::TensorProto::FLOAT, {kBatch, L, c.n_observed});
    g.input("encoder_known", onnx::TensorProto::FLOAT, {kBatch, L, c.n_known});
    g.input("decoder_known", onnx::TensorProto::FLOAT, {kBatch, H, c.n_known});

    // static_contexts(): c_s, c_e, c_h, c_c (§4.3).
    const Value embedded = g.op("Gather", {g.weight(m.symbol_embedding->weight), "static_symbol"},
                                {attr("axis", int64_t{0})});
    const Value s =
        variable_selection(g, g.op("Unsqueeze", {embedded, g.ints({1})}), 3, "", *m.static_vsn)
            .selected;
    const Value ctx_selection = g.op("Unsqueeze", {grn(g, s, "", *m.ctx_selection), g.ints({1})});
    const Value ctx_enrichment = g.op("Unsqueeze", {grn(g, s, "", *m.ctx_enrichment), g.ints({1})});
    const Value h0 = g.op("Unsqueeze", {grn(g, s, "", *m.ctx_state_h), g.ints({0})});
    const Value c0 = g.op("Unsqueeze", {grn(g, s, "", *m.ctx_state_c), g.ints({0})});

    // select_encoder()
    const Value vars = g.op("Concat",
                            {continuous_embedding(g, "encoder_observed", *m.observed_embedding),
                             continuous_embedding(g, "encoder_known", *m.known_embedding)},
                            {attr("axis", int64_t{-2})});
    const Selection enc = variable_selection(g, vars, 4, ctx_selection, *m.encoder_vsn);

    // decode()
    const Selection dec =
        variable_selection(g, continuous_embedding(g, "decoder_known", *m.known_embedding), 4,
                           ctx_selection, *m.decoder_vsn);
    const LstmResult enc_lstm = lstm(g, enc.selected, h0, c0, *m.encoder_lstm, "encoder_lstm");
    const LstmResult dec_lstm =
        lstm(g, dec.selected, enc_lstm.state_h, enc_lstm.state_c, *m.decoder_lstm, "decoder_lstm");
    const auto along_time = attr("axis", int64_t{1});
    const Value phi =
        gate_add_norm(g, g.op("Concat", {enc_lstm.output, dec_lstm.output}, {along_time}),
                      g.op("Concat", {enc.selected, dec.selected}, {along_time}), *m.post_lstm);
    const Value theta = grn(g, phi, ctx_enrichment, *m.enrichment);  // eq. 17
    const Value future_start = g.ints({L});
    const Value future_end = g.ints({L + H});
    const Value time_axis = g.ints({1});
    const Value theta_dec = g.op("Slice", {theta, future_start, future_end, time_axis});
    const Attended attended = attention(g, theta_dec, theta, g.weight(m.mask), *m.attention);
    const Value delta = gate_add_norm(g, attended.output, theta_dec, *m.post_attention);  // eq. 19
    const Value psi = grn(g, delta, "", *m.feed_forward);                                 // eq. 20
    const Value phi_dec = g.op("Slice", {phi, future_start, future_end, time_axis});
    const Value psi_tilde = gate_add_norm(g, psi, phi_dec, *m.post_feed_forward);   // eq. 21
    const Value quantiles = ordered_quantiles(g, linear(g, psi_tilde, *m.output));  // eq. 22

    g.output("quantiles", quantiles, {kBatch, H, 3});
    g.output("attention", attended.attention, {kBatch, H, L + H});
    g.output("encoder_weights", enc.weights, {kBatch, L, c.n_observed + c.n_known});
    g.output("decoder_weights", dec.weights, {kBatch, H, c.n_known});
}

}  // namespace onnx_graph
}  // namespace

Status export_tft_onnx(TemporalFusionTransformerImpl& model, const std::string& path) {
    onnx::ModelProto proto;
    try {
        torch::NoGradGuard no_grad;
        proto.set_ir_version(onnx_graph::kIrVersion);
        proto.set_producer_name("awet");
        proto.set_doc_string("AWET Temporal Fusion Transformer: q10/q50/q90 per horizon");
        onnx::OperatorSetIdProto* opset = proto.add_opset_import();
        opset->set_domain("");
        opset->set_version(onnx_graph::kOpset);
        onnx::GraphProto* graph = proto.mutable_graph();
        graph->set_name("tft");
        onnx_graph::GraphBuilder builder(*graph, model);
        onnx_graph::build(builder, model);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInternal,
                          fmt::format("ONNX export to '{}' failed: {}", path, e.what()));
    }

    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        return make_error(ErrorCode::kIo,
                          fmt::format("cannot open '{}' to write the ONNX model: {}", path,
                                      std::strerror(errno)));
    }
    if (!proto.SerializeToOstream(&out) || !out.flush()) {
        return make_error(ErrorCode::kIo, fmt::format("cannot write the ONNX model to '{}'", path));
    }
    return Status::Ok();
}

}  // namespace awet::tft
