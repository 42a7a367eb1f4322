#include "variable_selection.hpp"

namespace awet::tft {

ContinuousEmbeddingImpl::ContinuousEmbeddingImpl(int64_t n, int64_t d) {
    weight = register_parameter("weight", torch::empty({n, d}).uniform_(-1.0, 1.0));
    bias = register_parameter("bias", torch::zeros({n, d}));
}

torch::Tensor ContinuousEmbeddingImpl::forward(const torch::Tensor& x) {
    return x.unsqueeze(-1) * weight + bias;
}

VariableSelectionImpl::VariableSelectionImpl(int64_t n_vars, int64_t d, int64_t context,
                                             double dropout)
    : n(n_vars) {
    weights_grn = register_module("weights_grn", Grn(n * d, d, n, context, dropout));
    grns = register_module("grns", VariableGrns(n, d, dropout));
}

std::pair<torch::Tensor, torch::Tensor> VariableSelectionImpl::forward(const torch::Tensor& x,
                                                                       const torch::Tensor& c) {
    const torch::Tensor flat = x.flatten(-2);                                    // Ξ
    const torch::Tensor weights = torch::softmax(weights_grn(flat, c), -1);      // eq. 6
    const torch::Tensor processed = grns(x);                                     // eq. 7
    const torch::Tensor selected = (weights.unsqueeze(-1) * processed).sum(-2);  // eq. 8
    return {selected, weights};
}

}  // namespace awet::tft
