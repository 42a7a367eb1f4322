#pragma once
// Keeping secrets (API keys, tokens, passwords) out of every error, log line and page: one
// redaction used by every client that quotes what a server sent back.
#include <string>
#include <string_view>
#include <vector>

namespace awet {

/// `text` with every non-empty secret replaced by "***".
std::string redact(std::string text, const std::vector<std::string>& secrets);

/// At most `max_bytes` of `text` after redacting it: redact first, so that a secret straddling
/// the cut cannot leave a fragment behind. "..." marks a cut.
std::string redacted_excerpt(const std::string& text, const std::vector<std::string>& secrets,
                             size_t max_bytes);

/// The secrets a database connection string carries: the password of
/// scheme://user:PASSWORD@host..., of a `password=` query parameter and of a key=value
/// `password=...` (quoted or not), found by text so that even a string libpq cannot parse gives
/// them up.
std::vector<std::string> connection_secrets(std::string_view url);

}  // namespace awet
