#include "grn.hpp"

#include <cmath>

namespace awet::tft {

GatedLinearUnitImpl::GatedLinearUnitImpl(int64_t in, int64_t out)
    : gate(register_module("gate", torch::nn::Linear(in, out))),
      value(register_module("value", torch::nn::Linear(in, out))) {}

torch::Tensor GatedLinearUnitImpl::forward(const torch::Tensor& x) {
    return torch::sigmoid(gate(x)) * value(x);
}

GateAddNormImpl::GateAddNormImpl(int64_t in, int64_t out, double p)
    : dropout(register_module("dropout", torch::nn::Dropout(p))),
      glu(register_module("glu", GatedLinearUnit(in, out))),
      norm(register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out})))) {}

torch::Tensor GateAddNormImpl::forward(const torch::Tensor& x, const torch::Tensor& skip) {
    return norm(skip + glu(dropout(x)));
}

GrnImpl::GrnImpl(int64_t in, int64_t hidden, int64_t out, int64_t context_size, double p) {
    if (in != out) skip = register_module("skip", torch::nn::Linear(in, out));
    fc2 = register_module("fc2", torch::nn::Linear(in, hidden));
    if (context_size > 0) {
        context = register_module(
            "context",
            torch::nn::Linear(torch::nn::LinearOptions(context_size, hidden).bias(false)));
    }
    fc1 = register_module("fc1", torch::nn::Linear(hidden, hidden));
    gate_norm = register_module("gate_norm", GateAddNorm(hidden, out, p));
}

torch::Tensor GrnImpl::forward(const torch::Tensor& a, const torch::Tensor& c) {
    torch::Tensor pre = fc2(a);
    if (context && c.defined()) pre = pre + context(c);
    const torch::Tensor eta2 = torch::elu(pre);
    const torch::Tensor eta1 = fc1(eta2);
    return gate_norm(eta1, skip ? skip(a) : a);
}

torch::Tensor per_variable_linear(const torch::Tensor& x, const torch::Tensor& w,
                                  const torch::Tensor& b) {
    // One batched matmul over the variables: [n, M, in] @ [n, in, out] -> [n, M, out].
    return torch::einsum("...ni,nio->...no", {x, w}) + b;
}

namespace {

torch::Tensor uniform(int64_t n, int64_t in, int64_t out) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    return torch::empty({n, in, out}).uniform_(-bound, bound);
}

}  // namespace

VariableGrnsImpl::VariableGrnsImpl(int64_t n, int64_t d, double p) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(d));
    w2 = register_parameter("w2", uniform(n, d, d));
    b2 = register_parameter("b2", torch::empty({n, d}).uniform_(-bound, bound));
    w1 = register_parameter("w1", uniform(n, d, d));
    b1 = register_parameter("b1", torch::empty({n, d}).uniform_(-bound, bound));
    w_gate = register_parameter("w_gate", uniform(n, d, d));
    b_gate = register_parameter("b_gate", torch::empty({n, d}).uniform_(-bound, bound));
    w_value = register_parameter("w_value", uniform(n, d, d));
    b_value = register_parameter("b_value", torch::empty({n, d}).uniform_(-bound, bound));
    gamma = register_parameter("gamma", torch::ones({n, d}));
    beta = register_parameter("beta", torch::zeros({n, d}));
    dropout = register_module("dropout", torch::nn::Dropout(p));
}

torch::Tensor VariableGrnsImpl::forward(const torch::Tensor& x) {
    const torch::Tensor eta2 = torch::elu(per_variable_linear(x, w2, b2));  // eq. 3
    const torch::Tensor eta1 = dropout(per_variable_linear(eta2, w1, b1));  // eq. 4
    const torch::Tensor glu = torch::sigmoid(per_variable_linear(eta1, w_gate, b_gate)) *
                              per_variable_linear(eta1, w_value, b_value);  // eq. 5
    const torch::Tensor y = x + glu;                                        // eq. 2
    const int64_t d = y.size(-1);
    return torch::layer_norm(y, {d}, {}, {}, 1e-5) * gamma + beta;
}

}  // namespace awet::tft
