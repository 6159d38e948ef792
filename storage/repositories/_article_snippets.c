/* Search snippets in C: `storage.repositories.article_snippets.snippet_html` calls `snippet` here.
 *
 * What a snippet is (the fragments, what is marked, the escaping) is described in that module;
 * this is its work, done in one pass over the body instead of a few dozen Python-level string
 * operations per result, which made a page's ten snippets about half of what an uncached search
 * cost the server. The body is folded into bytes that line up with it character for character
 * (a Latin-1 table; anything outside Latin-1 folds to "?"), as far as the searches read it, the
 * prefixes are found with memmem, and the snippet is written escaped, its matches marked,
 * straight into its buffer.
 */

#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>
#include <string.h>

/* Bytes of a folded text that belong to a word: ASCII letters and digits, the underscore, and the
   Latin-1 letters without an ASCII base (ß, æ, ø...): 0xDF to 0xFF but the division sign. */
static int
is_word(unsigned char byte)
{
    return (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'z') || byte == '_' ||
           (byte >= 0xDF && byte != 0xF7);
}

/* The body folded as far as it has been read: a snippet reads its first few hundred characters,
   and folding all of a body of thousands was most of a snippet's work. */
typedef struct {
    unsigned char *bytes;
    Py_ssize_t size; /* the body's length: what `bytes` holds once folded to the end */
    Py_ssize_t done; /* bytes[:done] are folded */
    int kind;
    const void *data;
    const unsigned char *table;
} Folded;

/* How much more is folded at a time, past what a search needs. */
#define FOLD_CHUNK 256

static void
fold_to(Folded *folded, Py_ssize_t upto)
{
    if (upto > folded->size) {
        upto = folded->size;
    }
    if (upto <= folded->done) {
        return;
    }
    /* Local, unaliased pointers: written through `folded->bytes`, every byte stored would make the
       compiler read the struct's fields again. */
    unsigned char *restrict out = folded->bytes;
    const unsigned char *restrict table = folded->table;
    if (folded->kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *restrict chars = folded->data;
        for (Py_ssize_t i = folded->done; i < upto; i++) {
            out[i] = table[chars[i]];
        }
    }
    else {
        int kind = folded->kind;
        const void *data = folded->data;
        for (Py_ssize_t i = folded->done; i < upto; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            out[i] = c < 256 ? table[c] : '?';
        }
    }
    folded->done = upto;
}

/* The folded byte at `at` (< size). */
static unsigned char
folded_at(Folded *folded, Py_ssize_t at)
{
    if (at >= folded->done) {
        fold_to(folded, at + FOLD_CHUNK);
    }
    return folded->bytes[at];
}

/* bytes.find(needle, start, stop) over the folded body, folding it a chunk at a time as the search goes. */
static Py_ssize_t
find(Folded *folded, const char *needle, Py_ssize_t length, Py_ssize_t start, Py_ssize_t stop)
{
    if (stop > folded->size) {
        stop = folded->size;
    }
    if (start < 0 || start > folded->size || stop - start < length) {
        return -1;
    }
    Py_ssize_t from = start;
    for (;;) {
        Py_ssize_t to = stop;
        if (folded->done < stop) {
            to = (folded->done > from + length ? folded->done : from + length) + FOLD_CHUNK;
            if (to > stop) {
                to = stop;
            }
            fold_to(folded, to);
        }
        const unsigned char *at = memmem(folded->bytes + from, (size_t)(to - from), needle, (size_t)length);
        if (at != NULL) {
            return at - folded->bytes;
        }
        if (to >= stop) {
            return -1;
        }
        /* An occurrence across the chunk's end starts in its last length - 1 bytes. */
        from = to - length + 1;
    }
}

/* A prefix and what is known of where it starts words: searches only ever move forward, and each
   ends where an earlier word start of another prefix makes going on useless, so a prefix's
   occurrences are looked for once, and only as far as the snippet reads. */
typedef struct {
    const char *bytes;
    Py_ssize_t length;
    /* Where it first starts a word at or after the last search's start; -1: nowhere that ends by `limit`. */
    Py_ssize_t next;
    Py_ssize_t limit;
} Prefix;

/* The first position in [start, stop - length] where the prefix starts a word (-1 if none). */
static Py_ssize_t
find_word_start(Folded *folded, const Prefix *prefix, Py_ssize_t start, Py_ssize_t stop)
{
    Py_ssize_t at = find(folded, prefix->bytes, prefix->length, start, stop);
    while (at > 0 && is_word(folded->bytes[at - 1])) {
        at = find(folded, prefix->bytes, prefix->length, at + 1, stop);
    }
    return at;
}

/* The first word in folded[start:stop] that starts with a prefix: its start, and its end in *end;
   -1 if there is none. A word runs on over word bytes, past `stop` if need be. `start` never
   decreases from one call to the next. */
static Py_ssize_t
next_match(Folded *folded, Prefix *prefixes, Py_ssize_t count, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t *end)
{
    Py_ssize_t best = -1, length = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        Prefix *prefix = &prefixes[i];
        /* Only a word start before the best one so far would do: the search need not go further. */
        Py_ssize_t bound = best == -1 ? stop : best - 1 + prefix->length;
        if (bound > stop) {
            bound = stop;
        }
        if (prefix->next != -1 && prefix->next < start) {
            prefix->next = find_word_start(folded, prefix, start, bound);
            prefix->limit = bound;
        }
        else if (prefix->next == -1 && prefix->limit < bound) {
            /* Nothing ends by `limit`: an occurrence can only start in its last length - 1 bytes or after. */
            Py_ssize_t from = prefix->limit - prefix->length + 1;
            prefix->next = find_word_start(folded, prefix, from > start ? from : start, bound);
            prefix->limit = bound;
        }
        /* The earliest word start from `start` on; if it does not fit before `stop`, none does. */
        Py_ssize_t at = prefix->next;
        if (at != -1 && at + prefix->length <= stop && (best == -1 || at < best)) {
            best = at;
            length = prefix->length;
        }
    }
    if (best != -1) {
        Py_ssize_t last = best + length;
        while (last < folded->size && is_word(folded_at(folded, last))) {
            last++;
        }
        *end = last;
    }
    return best;
}

/* The snippet as it is written: UTF-8, grown as needed. The answer carries it so encoded: made as
   text, it was encoded again for every result (the delimiter makes most snippets two bytes a character). */
typedef struct {
    char *bytes;
    Py_ssize_t length;
    Py_ssize_t capacity;
} Writer;

static int
reserve(Writer *writer, Py_ssize_t more)
{
    if (writer->length + more <= writer->capacity) {
        return 0;
    }
    Py_ssize_t capacity = writer->capacity * 2;
    if (capacity < writer->length + more) {
        capacity = writer->length + more;
    }
    char *bytes = PyMem_Realloc(writer->bytes, (size_t)capacity);
    if (bytes == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    writer->bytes = bytes;
    writer->capacity = capacity;
    return 0;
}

static int
write_bytes(Writer *writer, const char *bytes, Py_ssize_t length)
{
    if (reserve(writer, length) < 0) {
        return -1;
    }
    memcpy(writer->bytes + writer->length, bytes, (size_t)length);
    writer->length += length;
    return 0;
}

/* chars[start:stop] escaped as html.escape does and encoded as UTF-8, written at `out`; the
   position after it, or NULL (an exception set) for a surrogate, which UTF-8 cannot encode. */
#define ESCAPE_INTO(type)                                                                                   \
    static char *escape_##type(char *out, const type *chars, Py_ssize_t start, Py_ssize_t stop)            \
    {                                                                                                       \
        for (Py_ssize_t i = start; i < stop; i++) {                                                         \
            Py_UCS4 c = chars[i];                                                                           \
            const char *replacement;                                                                        \
            switch (c) {                                                                                    \
            case '&': replacement = "&amp;"; break;                                                         \
            case '<': replacement = "&lt;"; break;                                                          \
            case '>': replacement = "&gt;"; break;                                                          \
            case '"': replacement = "&quot;"; break;                                                        \
            case '\'': replacement = "&#x27;"; break;                                                       \
            default:                                                                                        \
                if (c < 0x80) {                                                                             \
                    *out++ = (char)c;                                                                       \
                }                                                                                           \
                else if (c < 0x800) {                                                                      \
                    *out++ = (char)(0xC0 | (c >> 6));                                                       \
                    *out++ = (char)(0x80 | (c & 0x3F));                                                     \
                }                                                                                           \
                else if (c < 0x10000) {                                                                     \
                    if (c >= 0xD800 && c <= 0xDFFF) {                                                       \
                        PyErr_SetString(PyExc_UnicodeError, "snippet: a surrogate has no UTF-8 encoding");  \
                        return NULL;                                                                        \
                    }                                                                                       \
                    *out++ = (char)(0xE0 | (c >> 12));                                                      \
                    *out++ = (char)(0x80 | ((c >> 6) & 0x3F));                                              \
                    *out++ = (char)(0x80 | (c & 0x3F));                                                     \
                }                                                                                           \
                else {                                                                                      \
                    *out++ = (char)(0xF0 | (c >> 18));                                                      \
                    *out++ = (char)(0x80 | ((c >> 12) & 0x3F));                                             \
                    *out++ = (char)(0x80 | ((c >> 6) & 0x3F));                                              \
                    *out++ = (char)(0x80 | (c & 0x3F));                                                     \
                }                                                                                           \
                continue;                                                                                   \
            }                                                                                               \
            while (*replacement) {                                                                          \
                *out++ = *replacement++;                                                                    \
            }                                                                                               \
        }                                                                                                   \
        return out;                                                                                         \
    }
ESCAPE_INTO(Py_UCS1)
ESCAPE_INTO(Py_UCS2)

/* The Latin-1 characters written as they are: ASCII but what html.escape replaces. */
static const unsigned char as_is[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
    [' '] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['('] = 1, [')'] = 1, ['*'] = 1, ['+'] = 1,
    [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1, ['='] = 1, ['?'] = 1,
    ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1,
    ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['['] = 1, ['\\'] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
    ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
};

/* escape_Py_UCS1 for the text of a help article, which is mostly ASCII letters and spaces: each
   run of characters written as they are is one copy, where the general loop decided on every one. */
static char *
escape_latin1(char *out, const Py_UCS1 *chars, Py_ssize_t start, Py_ssize_t stop)
{
    Py_ssize_t i = start;
    while (i < stop) {
        Py_ssize_t run = i;
        while (run < stop && as_is[chars[run]]) {
            run++;
        }
        memcpy(out, chars + i, (size_t)(run - i));
        out += run - i;
        if (run == stop) {
            break;
        }
        /* The one character that is not: escaped or encoded by the general loop. */
        out = escape_Py_UCS1(out, chars, run, run + 1);
        i = run + 1;
    }
    return out;
}
ESCAPE_INTO(Py_UCS4)

/* text[start:stop], escaped as html.escape does. */
static int
write_escaped(Writer *writer, int kind, const void *data, Py_ssize_t start, Py_ssize_t stop)
{
    if (stop <= start) {
        return 0;
    }
    /* "&quot;", the longest replacement, is six bytes; a character is at most four. */
    if (reserve(writer, 6 * (stop - start)) < 0) {
        return -1;
    }
    char *out = writer->bytes + writer->length;
    switch (kind) {
    case PyUnicode_1BYTE_KIND: out = escape_latin1(out, data, start, stop); break;
    case PyUnicode_2BYTE_KIND: out = escape_Py_UCS2(out, data, start, stop); break;
    default: out = escape_Py_UCS4(out, data, start, stop); break;
    }
    if (out == NULL) {
        return -1;
    }
    writer->length = out - writer->bytes;
    return 0;
}

/* One fragment: from `first` to `last`, the matches in it marked, the whitespace at its ends left out.
   The hit at (start, end) is its first match; `last` is whitespace or the end of the body. */
static int
write_fragment(Writer *writer, int kind, const void *data, Folded *folded, Prefix *prefixes, Py_ssize_t count, Py_ssize_t first, Py_ssize_t start, Py_ssize_t end,
               Py_ssize_t last)
{
    while (first < start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, first))) {
        first++;
    }
    if (write_escaped(writer, kind, data, first, start) < 0) {
        return -1;
    }
    for (;;) {
        if (write_bytes(writer, "<mark>", 6) < 0 || write_escaped(writer, kind, data, start, end) < 0 ||
            write_bytes(writer, "</mark>", 7) < 0) {
            return -1;
        }
        Py_ssize_t next_end = 0;
        Py_ssize_t next = next_match(folded, prefixes, count, end, last, &next_end);
        if (next == -1) {
            break;
        }
        if (write_escaped(writer, kind, data, end, next) < 0) {
            return -1;
        }
        start = next;
        end = next_end;
    }
    /* A match is never whitespace: what is stripped at the end is the text after the last one. */
    Py_ssize_t stop = last;
    while (stop > end && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, stop - 1))) {
        stop--;
    }
    return write_escaped(writer, kind, data, end, stop);
}

/* The snippet's fragments written into `writer`; how many there are, or -1 on an error. */
static Py_ssize_t
write_fragments(Writer *writer, int kind, const void *data, Folded *folded, Prefix *prefixes, Py_ssize_t count, PyObject *delimiter, Py_ssize_t max_fragments,
                Py_ssize_t fragment_chars, Py_ssize_t lead_chars)
{
    Py_ssize_t fragments = 0, covered = 0, end = 0;
    Py_ssize_t size = folded->size;
    Py_ssize_t start = count > 0 ? next_match(folded, prefixes, count, 0, size, &end) : -1;
    while (start != -1) {
        /* From the start of the word lead_chars before the match (not before the last fragment's
           end) to the end of the word fragment_chars further on, at least past the match. */
        Py_ssize_t first = 0;
        if (start > lead_chars) {
            /* Folded already: a search went past it. */
            const unsigned char *space = memrchr(folded->bytes, ' ', (size_t)(start - lead_chars));
            first = space == NULL ? 0 : space - folded->bytes + 1;
        }
        if (first < covered) {
            first = covered;
        }
        Py_ssize_t from = end > first + fragment_chars ? end : first + fragment_chars;
        Py_ssize_t last = find(folded, " ", 1, from, size);
        if (last == -1) {
            last = size;
        }
        if (fragments > 0 &&
            write_bytes(writer, PyBytes_AS_STRING(delimiter), PyBytes_GET_SIZE(delimiter)) < 0) {
            return -1;
        }
        if (write_fragment(writer, kind, data, folded, prefixes, count, first, start, end, last) < 0) {
            return -1;
        }
        if (++fragments == max_fragments) {
            break;
        }
        covered = last;
        start = next_match(folded, prefixes, count, last, size, &end);
    }
    return fragments;
}

/* The body's opening: up to the first whitespace from opening_chars on, the whitespace at its ends left out. */
static int
write_opening(Writer *writer, int kind, const void *data, Folded *folded, Py_ssize_t opening_chars)
{
    Py_ssize_t stop = find(folded, " ", 1, opening_chars, folded->size);
    if (stop == -1) {
        stop = folded->size;
    }
    Py_ssize_t start = 0;
    while (start < stop && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, start))) {
        start++;
    }
    while (stop > start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, stop - 1))) {
        stop--;
    }
    return write_escaped(writer, kind, data, start, stop);
}

static PyObject *
snippet(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError,
                        "snippet(text, prefixes, fold, delimiter, max_fragments, fragment_chars, lead_chars, "
                        "opening_chars) takes 8 arguments");
        return NULL;
    }
    PyObject *text = args[0], *prefix_tuple = args[1], *table = args[2], *delimiter = args[3];
    if (!PyUnicode_Check(text) || !PyTuple_Check(prefix_tuple) || !PyBytes_Check(table) ||
        PyBytes_GET_SIZE(table) != 256 || !PyBytes_Check(delimiter)) {
        PyErr_SetString(PyExc_TypeError,
                        "snippet: text str, prefixes tuple of bytes, fold bytes[256], delimiter bytes (UTF-8)");
        return NULL;
    }
    Py_ssize_t numbers[4];
    for (int i = 0; i < 4; i++) {
        numbers[i] = PyLong_AsSsize_t(args[4 + i]);
        if (numbers[i] == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    Py_ssize_t max_fragments = numbers[0], fragment_chars = numbers[1], lead_chars = numbers[2];
    Py_ssize_t opening_chars = numbers[3];

    const unsigned char *fold = (const unsigned char *)PyBytes_AS_STRING(table);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    Py_ssize_t given = PyTuple_GET_SIZE(prefix_tuple);
    PyObject *result = NULL;
    Writer writer = {NULL, 0, 0};
    Folded folded = {PyMem_Malloc((size_t)size + 1), size, 0, kind, data, fold};
    Prefix *prefixes = PyMem_Malloc(sizeof(Prefix) * (size_t)(given > 0 ? given : 1));
    if (folded.bytes == NULL || prefixes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* Each prefix is looked for as the snippet is written: nothing is known of it yet. */
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < given; i++) {
        PyObject *prefix = PyTuple_GET_ITEM(prefix_tuple, i);
        if (!PyBytes_Check(prefix) || PyBytes_GET_SIZE(prefix) == 0) {
            PyErr_SetString(PyExc_TypeError, "snippet: each prefix is non-empty bytes");
            goto done;
        }
        prefixes[count++] = (Prefix){PyBytes_AS_STRING(prefix), PyBytes_GET_SIZE(prefix), -1, 0};
    }
    if (reserve(&writer, 1024) < 0) {
        goto done;
    }
    Py_ssize_t fragments = write_fragments(&writer, kind, data, &folded, prefixes, count, delimiter, max_fragments,
                                           fragment_chars, lead_chars);
    if (fragments < 0 || (fragments == 0 && write_opening(&writer, kind, data, &folded, opening_chars) < 0)) {
        goto done;
    }
    result = PyBytes_FromStringAndSize(writer.bytes, writer.length);
done:
    PyMem_Free(writer.bytes);
    PyMem_Free(prefixes);
    PyMem_Free(folded.bytes);
    return result;
}

static PyMethodDef methods[] = {
    {"snippet", (PyCFunction)(void (*)(void))snippet, METH_FASTCALL,
     "snippet(text, prefixes, fold, delimiter, max_fragments, fragment_chars, lead_chars, opening_chars) -> bytes\n\n"
     "The snippet of `text` (NUL-free) for the folded `prefixes`, as HTML in UTF-8: see article_snippets."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "storage.repositories._article_snippets",
    .m_doc = "Search snippets made in C (see storage.repositories.article_snippets).",
    .m_size = 0,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__article_snippets(void)
{
    return PyModuleDef_Init(&module);
}
