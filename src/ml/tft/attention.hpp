#pragma once
// Interpretable multi-head attention (Lim et al. 2021, §4.4, eqs. 9-16): per-head queries and
// keys, values shared by all heads, so that the heads' attention patterns can be averaged into one
// interpretable weight per position.
#include <torch/torch.h>

#include <utility>

namespace awet::tft {

class InterpretableAttentionImpl : public torch::nn::Module {
public:
    InterpretableAttentionImpl(int64_t d_model, int64_t heads, double dropout);
    /// q [B, Tq, d], k and v [B, Tk, d]; mask [Tq, Tk] additive (0 or -inf) or undefined.
    /// Returns the output [B, Tq, d] and the attention averaged over heads [B, Tq, Tk].
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& q, const torch::Tensor& k,
                                                    const torch::Tensor& v,
                                                    const torch::Tensor& mask);

    int64_t heads, d_attn;
    torch::nn::Linear w_q{nullptr};  // W_Q^(h) of every head, side by side [d, heads * d_attn]
    torch::nn::Linear w_k{nullptr};  // W_K^(h) likewise
    torch::nn::Linear w_v{nullptr};  // W_V, shared by the heads (eq. 14) [d, d_attn]
    torch::nn::Linear w_h{nullptr};  // W_H [d_attn, d]
    torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(InterpretableAttention);

/// The causal mask of `decoder` query steps over `encoder + decoder` key positions: decoder step i
/// (absolute position encoder + i) sees positions <= encoder + i. Additive: 0 or -inf.
torch::Tensor causal_decoder_mask(int64_t encoder, int64_t decoder);

}  // namespace awet::tft
