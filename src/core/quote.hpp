// SQL and pg_hba.conf quoting, for the text ivory writes into messages and hints.
#pragma once

#include <string>

namespace ivory {

// A SQL identifier, double-quoted unless it is a plain lower-case name that is
// not a keyword ivory is likely to meet; quoting more than needed is harmless.
std::string quote_identifier(const std::string &name);

// A SQL string literal with single quotes doubled (standard_conforming_strings).
std::string quote_literal(const std::string &value);

} // namespace ivory
