#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "copy_in.hpp"

#include "guard.hpp"

extern "C" {
#include "access/table.h"
#include "commands/copy.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
}

namespace ivory::pg {

namespace {

// What the COPY callback reads from. The callback has no argument of its
// own, so the one COPY in progress is found through `active_feed`.
struct CopyFeed {
    explicit CopyFeed(const CopyRowReader &row_reader) : reader(&row_reader) {}
    const CopyRowReader *reader;
    std::string pending;
    size_t offset = 0;
    bool ended = false;
    std::exception_ptr failure;
};

CopyFeed *active_feed = nullptr;

// Called by CopyFrom (C code): nothing may be thrown through it, and no
// PostgreSQL error may jump over it, so the reader's exceptions are kept for
// after CopyFrom and the COPY is told the data ended.
int read_feed(void *buffer, int minimum, int maximum) noexcept {
    CopyFeed &feed = *active_feed;
    char *out = static_cast<char *>(buffer);
    int copied = 0;
    try {
        while (copied < maximum && !feed.ended) {
            if (feed.offset < feed.pending.size()) {
                const size_t count = std::min(static_cast<size_t>(maximum - copied),
                                              feed.pending.size() - feed.offset);
                std::memcpy(out + copied, feed.pending.data() + feed.offset, count);
                feed.offset += count;
                copied += static_cast<int>(count);
                continue;
            }
            feed.pending.clear();
            feed.offset = 0;
            // Wait for the network only while COPY has nothing to go on with.
            const bool wait = copied < minimum;
            if (!(*feed.reader)(feed.pending, wait)) {
                if (wait)
                    feed.ended = true;
                break;
            }
        }
    } catch (...) {
        feed.failure = std::current_exception();
        feed.ended = true;
    }
    return copied;
}

Oid parse_oid(const std::string &text) {
    return static_cast<Oid>(std::stoul(text));
}

} // namespace

uint64_t copy_into_table(const std::string &table_oid, const std::vector<std::string> &columns,
                         bool binary, const CopyRowReader &reader) {
    const Oid table = parse_oid(table_oid);
    std::vector<const char *> names;
    for (const std::string &column : columns)
        names.push_back(column.c_str());
    const char *const *name_array = names.data();
    const size_t name_count = names.size();

    CopyFeed feed(reader);
    active_feed = &feed;
    uint64 copied = 0;
    try {
        copied = guarded([table, name_array, name_count, binary] {
            Relation relation = table_open(table, RowExclusiveLock);
            ParseState *parse_state = make_parsestate(nullptr);
            (void)addRangeTableEntryForRelation(parse_state, relation, RowExclusiveLock, nullptr,
                                                false, false);
            List *attribute_names = NIL;
            for (size_t i = 0; i < name_count; ++i)
                attribute_names = lappend(attribute_names, makeString(pstrdup(name_array[i])));
            // The source sends in the database's encoding (ivory's sessions
            // set client_encoding to it), whatever the caller's is.
            List *options = list_make1(makeDefElem(
                pstrdup("encoding"), (Node *)makeString(pstrdup(GetDatabaseEncodingName())), -1));
            if (binary)
                options = lappend(options, makeDefElem(pstrdup("format"),
                                                       (Node *)makeString(pstrdup("binary")), -1));
            CopyFromState state = BeginCopyFrom(parse_state, relation, nullptr, nullptr, false,
                                                read_feed, attribute_names, options);
            const uint64 rows = CopyFrom(state);
            EndCopyFrom(state);
            free_parsestate(parse_state);
            table_close(relation, NoLock);
            return rows;
        });
    } catch (...) {
        active_feed = nullptr;
        // The reader's error (a cancel, the source gone) is the cause; the
        // COPY's own complaint about data cut short is only its consequence.
        if (feed.failure)
            std::rethrow_exception(feed.failure);
        throw;
    }
    active_feed = nullptr;
    if (feed.failure)
        std::rethrow_exception(feed.failure);
    return copied;
}

} // namespace ivory::pg
