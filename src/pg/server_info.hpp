// Facts about the server ivory runs in, for plain C++ callers.
#pragma once

#include <string>

namespace ivory::pg {

// The directory of the running postgres binary, where pg_dump lives too.
std::string server_bin_directory();

// The current database's encoding name, e.g. "UTF8".
std::string database_encoding_name();

// The server's major version, e.g. 15.
int server_major_version();

// The running server's server_version_num, e.g. 150018: the binary's, which
// may be another minor release than the headers ivory was built with.
int running_server_version_num();

} // namespace ivory::pg
