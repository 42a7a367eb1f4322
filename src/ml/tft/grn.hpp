#pragma once
// Gated residual networks (Lim et al. 2021, §4.1, eqs. 2-5) and the gated add & norm used around
// every block of the TFT. Torch-only: included by src/ml/tft/ files alone.
#include <torch/torch.h>

namespace awet::tft {

/// GLU(γ) = σ(W4 γ + b4) ⊙ (W5 γ + b5)   (eq. 5)
class GatedLinearUnitImpl : public torch::nn::Module {
public:
    GatedLinearUnitImpl(int64_t in, int64_t out);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear gate{nullptr}, value{nullptr};  // W4, W5
};
TORCH_MODULE(GatedLinearUnit);

/// LayerNorm(skip + GLU(dropout(x))): the "gate, add & norm" after the LSTM (eq. 17's input φ̃),
/// the attention (eq. 19) and the position-wise feed-forward (eq. 21).
class GateAddNormImpl : public torch::nn::Module {
public:
    GateAddNormImpl(int64_t in, int64_t out, double dropout);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& skip);

    torch::nn::Dropout dropout{nullptr};
    GatedLinearUnit glu{nullptr};
    torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(GateAddNorm);

/// GRN_ω(a, c) = LayerNorm(a' + GLU(η1))              (eq. 2)
///   η1 = W1 η2 + b1                                  (eq. 4)
///   η2 = ELU(W2 a + W3 c + b2)                       (eq. 3; W3 c only with a context)
/// where a' = a, or a linear projection of a when in != out.
class GrnImpl : public torch::nn::Module {
public:
    GrnImpl(int64_t in, int64_t hidden, int64_t out, int64_t context, double dropout);
    /// a [..., in]; c [..., context] broadcastable to a's leading dims, or undefined.
    torch::Tensor forward(const torch::Tensor& a, const torch::Tensor& c = {});

    torch::nn::Linear skip{nullptr};     // only when in != out
    torch::nn::Linear fc2{nullptr};      // W2, b2
    torch::nn::Linear context{nullptr};  // W3 (no bias); only with a context
    torch::nn::Linear fc1{nullptr};      // W1, b1
    GateAddNorm gate_norm{nullptr};
};
TORCH_MODULE(Grn);

/// n independent GRNs of width d (no context, no projection), one per variable, evaluated in one
/// batched pass: x [..., n, d] -> [..., n, d]. ξ̃_t^(j) = GRN_ξ(j)(ξ_t^(j)) of eq. 7, with each
/// variable's weights stacked on a leading axis instead of n small modules (n times fewer ops).
class VariableGrnsImpl : public torch::nn::Module {
public:
    VariableGrnsImpl(int64_t n, int64_t d, double dropout);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor w2, b2, w1, b1, w_gate, b_gate, w_value, b_value, gamma, beta;
    torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(VariableGrns);

/// x [..., n, in] times w [n, in, out] (+ b [n, out]) per variable.
torch::Tensor per_variable_linear(const torch::Tensor& x, const torch::Tensor& w,
                                  const torch::Tensor& b);

}  // namespace awet::tft
