#pragma once
// The Temporal Fusion Transformer (Lim et al. 2021, Fig. 2) for AWET's forecast: one static input
// (the symbol), 10 observed and 3 known inputs over the lookback, the 3 known inputs at each of the
// 3 horizons (30/45/60 min), and q10/q50/q90 of the scaled forward log return per horizon.
//
// The decoder has one step per horizon (not one per minute): step i carries the known inputs of
// the horizon's target time, so attention and outputs are computed only where a forecast is read.
#include <torch/torch.h>

#include "attention.hpp"
#include "grn.hpp"
#include "variable_selection.hpp"

namespace awet::tft {

struct TftConfig {
    int64_t n_symbols = 1;
    int64_t hidden = 16;
    int64_t heads = 4;
    int64_t lookback = 120;
    int64_t n_observed = 10;
    int64_t n_known = 3;
    int64_t n_horizons = 3;
    double dropout = 0.1;
};

/// One batch of windows, inputs already normalised.
struct TftInputs {
    torch::Tensor symbol;            // [B] int64, embedding index
    torch::Tensor encoder_observed;  // [B, L, n_observed]
    torch::Tensor encoder_known;     // [B, L, n_known]
    torch::Tensor decoder_known;     // [B, H, n_known]
};

struct TftOutputs {
    torch::Tensor quantiles;        // [B, H, 3]: q10 <= q50 <= q90 (scaled units)
    torch::Tensor encoder_weights;  // [B, L, n_observed + n_known] variable selection
    torch::Tensor decoder_weights;  // [B, H, n_known]
    torch::Tensor attention;        // [B, H, L + H], mean over heads
};

/// The static covariate contexts of a batch of symbols (§4.3), each [B, d].
struct StaticContexts {
    torch::Tensor selection, enrichment, state_h, state_c;
};

/// The encoder's variable selection output: ξ̃_t [B, T, d] and the weights v_χt [B, T, n].
struct SelectedInputs {
    torch::Tensor embedding, weights;
};

class TemporalFusionTransformerImpl : public torch::nn::Module {
public:
    explicit TemporalFusionTransformerImpl(const TftConfig& config);
    /// The whole model: static_contexts -> select_encoder -> decode.
    TftOutputs forward(const TftInputs& in);

    // The stages of forward(), public so that the forecaster can cache the position-wise encoder
    // selection of past bars (it depends only on that bar's inputs and the symbol): each new bar
    // costs one position of variable selection instead of `lookback`. Same numbers either way.
    StaticContexts static_contexts(const torch::Tensor& symbol);
    /// observed [B, T, n_observed], known [B, T, n_known]; any T.
    SelectedInputs select_encoder(const torch::Tensor& observed, const torch::Tensor& known,
                                  const StaticContexts& ctx);
    /// encoder: the selection of exactly `lookback` positions.
    TftOutputs decode(const SelectedInputs& encoder, const torch::Tensor& decoder_known,
                      const StaticContexts& ctx);

    TftConfig config;
    torch::nn::Embedding symbol_embedding{nullptr};
    VariableSelection static_vsn{nullptr};
    // Static covariate encoders (§4.3): contexts for selection, enrichment and the LSTM state.
    Grn ctx_selection{nullptr}, ctx_enrichment{nullptr}, ctx_state_h{nullptr}, ctx_state_c{nullptr};
    ContinuousEmbedding observed_embedding{nullptr}, known_embedding{nullptr};
    VariableSelection encoder_vsn{nullptr}, decoder_vsn{nullptr};
    torch::nn::LSTM encoder_lstm{nullptr}, decoder_lstm{nullptr};  // sequence-to-sequence (§4.5.1)
    GateAddNorm post_lstm{nullptr};             // φ̃ = LayerNorm(ξ̃ + GLU(φ))
    Grn enrichment{nullptr};                    // eq. 17
    InterpretableAttention attention{nullptr};  // eq. 18
    GateAddNorm post_attention{nullptr};        // eq. 19
    Grn feed_forward{nullptr};                  // eq. 20
    GateAddNorm post_feed_forward{nullptr};     // eq. 21
    torch::nn::Linear output{nullptr};          // eq. 22 (3 raw outputs per horizon)
    torch::Tensor mask;                         // causal_decoder_mask(L, H), a buffer
};
TORCH_MODULE(TemporalFusionTransformer);

/// Raw outputs [.., 3] -> ordered quantiles: q50 = o1, q10 = o1 - softplus(o0),
/// q90 = o1 + softplus(o2). The paper's eq. 22 is a plain linear layer; this keeps the
/// quantiles from crossing by construction.
torch::Tensor ordered_quantiles(const torch::Tensor& raw);

/// Mean pinball loss over quantiles 0.1/0.5/0.9, horizons and rows: q [B, H, 3], y [B, H].
torch::Tensor pinball_loss(const torch::Tensor& q, const torch::Tensor& y);

}  // namespace awet::tft
