// SQL and pg_hba.conf quoting, for the text ivory writes into messages and hints.
#pragma once

#include <string>

namespace ivory {

// A SQL identifier, double-quoted unless it is a plain lower-case name that is
// not one of the server's keywords that need quoting: the server's own
// quote_ident rule, with its keyword list (from the headers built against).
std::string quote_identifier(const std::string &name);

// A SQL string literal, read the same whatever standard_conforming_strings
// says: single quotes doubled, and with a backslash an E'' string with the
// backslashes doubled (as the server's quote_literal).
std::string quote_literal(const std::string &value);

} // namespace ivory
