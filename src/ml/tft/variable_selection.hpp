#pragma once
// Variable selection networks (Lim et al. 2021, §4.2, eqs. 6-8) and the per-variable input
// embeddings that feed them.
#include <torch/torch.h>

#include <utility>

#include "grn.hpp"

namespace awet::tft {

/// ξ^(j) = x_j W_j + b_j: each real-valued variable j to its own d-dimensional embedding (the
/// "linear transformation" of §4.2). x [..., n] -> [..., n, d].
class ContinuousEmbeddingImpl : public torch::nn::Module {
public:
    ContinuousEmbeddingImpl(int64_t n, int64_t d);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight, bias;  // [n, d]
};
TORCH_MODULE(ContinuousEmbedding);

/// v_χ = Softmax(GRN_v(Ξ, c_s))          (eq. 6, Ξ the flattened embeddings)
/// ξ̃^(j) = GRN_ξ(j)(ξ^(j))              (eq. 7)
/// ξ̃ = Σ_j v_χ^(j) ξ̃^(j)                (eq. 8)
class VariableSelectionImpl : public torch::nn::Module {
public:
    /// n variables of width d; context width (0: no context).
    VariableSelectionImpl(int64_t n, int64_t d, int64_t context, double dropout);
    /// x [..., n, d]; c [..., context] (broadcastable) or undefined.
    /// Returns the selected embedding [..., d] and the weights v_χ [..., n].
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x,
                                                    const torch::Tensor& c = {});

    int64_t n;
    Grn weights_grn{nullptr};
    VariableGrns grns{nullptr};
};
TORCH_MODULE(VariableSelection);

}  // namespace awet::tft
