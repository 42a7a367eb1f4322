#include "attention.hpp"

#include <cmath>
#include <limits>

namespace awet::tft {

InterpretableAttentionImpl::InterpretableAttentionImpl(int64_t d_model, int64_t n_heads, double p)
    : heads(n_heads), d_attn(d_model / n_heads) {
    w_q = register_module("w_q", torch::nn::Linear(d_model, heads * d_attn));
    w_k = register_module("w_k", torch::nn::Linear(d_model, heads * d_attn));
    w_v = register_module("w_v", torch::nn::Linear(d_model, d_attn));
    w_h = register_module("w_h", torch::nn::Linear(d_attn, d_model));
    dropout = register_module("dropout", torch::nn::Dropout(p));
}

std::pair<torch::Tensor, torch::Tensor> InterpretableAttentionImpl::forward(
    const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
    const torch::Tensor& mask) {
    const int64_t b = q.size(0), tq = q.size(1), tk = k.size(1);
    // [B, T, heads, d_attn] -> [B, heads, T, d_attn]
    const torch::Tensor qh = w_q(q).view({b, tq, heads, d_attn}).transpose(1, 2);
    const torch::Tensor kh = w_k(k).view({b, tk, heads, d_attn}).transpose(1, 2);
    // A(Q, K) = Softmax(Q K^T / sqrt(d_attn))                               (eq. 10)
    torch::Tensor scores =
        torch::matmul(qh, kh.transpose(-2, -1)) / std::sqrt(static_cast<double>(d_attn));
    if (mask.defined()) scores = scores + mask;
    const torch::Tensor attention = torch::softmax(scores, -1);
    // H̃ = 1/H Σ_h A(Q W_Q^(h), K W_K^(h)) V W_V                            (eq. 14-15)
    const torch::Tensor mean_attention = attention.mean(1);                  // [B, Tq, Tk]
    const torch::Tensor h = torch::matmul(dropout(mean_attention), w_v(v));  // [B, Tq, d_attn]
    return {w_h(h), mean_attention};                                         // eq. 16
}

torch::Tensor causal_decoder_mask(int64_t encoder, int64_t decoder) {
    torch::Tensor mask = torch::zeros({decoder, encoder + decoder});
    const float inf = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < decoder; ++i) {
        for (int64_t j = encoder + i + 1; j < encoder + decoder; ++j) mask[i][j] = inf;
    }
    return mask;
}

}  // namespace awet::tft
