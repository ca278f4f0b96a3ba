// Connection strings handled on the server: nothing derived from one may show a
// password, in any message, detail or log line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ivory {

// The values that must never be shown: the password keyword's value, a URI's
// user:password@ part, and each word of them (libpq's parse errors quote
// fragments of a malformed string).
std::vector<std::string> secrets_in_conninfo(const std::string &conninfo);

// `text` with every secret of `conninfo` replaced by "********".
std::string mask_secrets(const std::string &text, const std::string &conninfo);

// The connection string as key=value pairs with the password masked, for error
// context; an unparsable string becomes "(invalid connection string)".
std::string redact_conninfo(const std::string &conninfo);

// The value of `keyword` in the connection string (URIs included), if set.
std::optional<std::string> conninfo_value(const std::string &conninfo, const std::string &keyword);

// The connection string as key='value' pairs without `keyword`, for handing a
// connection to another program without its password on its command line.
std::string conninfo_without(const std::string &conninfo, const std::string &keyword);

// Whether the connection string carries a password (keyword or URI).
bool conninfo_has_password(const std::string &conninfo);

} // namespace ivory
