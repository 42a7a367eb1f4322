#include "tft_model.hpp"

namespace awet::tft {

namespace nn = torch::nn;

TemporalFusionTransformerImpl::TemporalFusionTransformerImpl(const TftConfig& c) : config(c) {
    const int64_t d = c.hidden;
    const double p = c.dropout;
    symbol_embedding = register_module("symbol_embedding", nn::Embedding(c.n_symbols, d));
    static_vsn = register_module("static_vsn", VariableSelection(1, d, 0, p));
    ctx_selection = register_module("ctx_selection", Grn(d, d, d, 0, p));
    ctx_enrichment = register_module("ctx_enrichment", Grn(d, d, d, 0, p));
    ctx_state_h = register_module("ctx_state_h", Grn(d, d, d, 0, p));
    ctx_state_c = register_module("ctx_state_c", Grn(d, d, d, 0, p));
    observed_embedding =
        register_module("observed_embedding", ContinuousEmbedding(c.n_observed, d));
    known_embedding = register_module("known_embedding", ContinuousEmbedding(c.n_known, d));
    encoder_vsn =
        register_module("encoder_vsn", VariableSelection(c.n_observed + c.n_known, d, d, p));
    decoder_vsn = register_module("decoder_vsn", VariableSelection(c.n_known, d, d, p));
    encoder_lstm =
        register_module("encoder_lstm", nn::LSTM(nn::LSTMOptions(d, d).batch_first(true)));
    decoder_lstm =
        register_module("decoder_lstm", nn::LSTM(nn::LSTMOptions(d, d).batch_first(true)));
    post_lstm = register_module("post_lstm", GateAddNorm(d, d, p));
    enrichment = register_module("enrichment", Grn(d, d, d, d, p));
    attention = register_module("attention", InterpretableAttention(d, c.heads, p));
    post_attention = register_module("post_attention", GateAddNorm(d, d, p));
    feed_forward = register_module("feed_forward", Grn(d, d, d, 0, p));
    post_feed_forward = register_module("post_feed_forward", GateAddNorm(d, d, 0.0));
    output = register_module("output", nn::Linear(d, 3));
    mask = register_buffer("mask", causal_decoder_mask(c.lookback, c.n_horizons));
}

TftOutputs TemporalFusionTransformerImpl::forward(const TftInputs& in) {
    const StaticContexts ctx = static_contexts(in.symbol);
    return decode(select_encoder(in.encoder_observed, in.encoder_known, ctx), in.decoder_known,
                  ctx);
}

StaticContexts TemporalFusionTransformerImpl::static_contexts(const torch::Tensor& symbol) {
    // Static covariate encoders (§4.3): c_s, c_e, c_h, c_c from the selected static embedding.
    const torch::Tensor s = static_vsn(symbol_embedding(symbol).unsqueeze(1)).first;  // [B, d]
    return {ctx_selection(s), ctx_enrichment(s), ctx_state_h(s), ctx_state_c(s)};
}

SelectedInputs TemporalFusionTransformerImpl::select_encoder(const torch::Tensor& observed,
                                                             const torch::Tensor& known,
                                                             const StaticContexts& ctx) {
    // Variable selection (eqs. 6-8), conditioned on c_s.
    const torch::Tensor vars =
        torch::cat({observed_embedding(observed), known_embedding(known)}, -2);
    auto [x, w] = encoder_vsn(vars, ctx.selection.unsqueeze(1));
    return {x, w};
}

TftOutputs TemporalFusionTransformerImpl::decode(const SelectedInputs& encoder,
                                                 const torch::Tensor& decoder_known,
                                                 const StaticContexts& ctx) {
    const int64_t L = config.lookback;
    auto [dec_x, dec_w] = decoder_vsn(known_embedding(decoder_known), ctx.selection.unsqueeze(1));

    // Sequence-to-sequence layer (§4.5.1): encoder state initialised from c_h, c_c.
    auto [enc_out, state] = encoder_lstm(
        encoder.embedding, std::make_tuple(ctx.state_h.unsqueeze(0), ctx.state_c.unsqueeze(0)));
    auto dec_out = std::get<0>(decoder_lstm(dec_x, state));
    const torch::Tensor phi = post_lstm(torch::cat({enc_out, dec_out}, 1),  // φ̃(t, n)
                                        torch::cat({encoder.embedding, dec_x}, 1));

    const torch::Tensor theta = enrichment(phi, ctx.enrichment.unsqueeze(1));  // eq. 17
    const torch::Tensor theta_dec = theta.slice(1, L);
    auto [attended, weights] = attention(theta_dec, theta, theta, mask);             // eq. 18
    const torch::Tensor delta = post_attention(attended, theta_dec);                 // eq. 19
    const torch::Tensor psi = feed_forward(delta);                                   // eq. 20
    const torch::Tensor psi_tilde = post_feed_forward(psi, phi.slice(1, L));         // eq. 21
    return {ordered_quantiles(output(psi_tilde)), encoder.weights, dec_w, weights};  // eq. 22
}

torch::Tensor ordered_quantiles(const torch::Tensor& raw) {
    const torch::Tensor median = raw.select(-1, 1);
    return torch::stack({median - torch::softplus(raw.select(-1, 0)), median,
                         median + torch::softplus(raw.select(-1, 2))},
                        -1);
}

torch::Tensor pinball_loss(const torch::Tensor& q, const torch::Tensor& y) {
    const torch::Tensor tau = torch::tensor({0.1F, 0.5F, 0.9F}, q.options());
    const torch::Tensor r = y.unsqueeze(-1) - q;  // [B, H, 3]
    return torch::max(tau * r, (tau - 1.0F) * r).mean();
}

}  // namespace awet::tft
