/* es_install — where the program's bundled lists and data files are.
 *
 * An installed exportscreen keeps them in <prefix>/share/exportscreen beside
 * <prefix>/bin/exportscreen; the build tree has <build>/lists (a link to the
 * source tree's lists/). They are found relative to the running executable,
 * so a relocated install (a .deb unpacked anywhere, a copied prefix) works;
 * nothing about the build machine is compiled in. */
#ifndef ES_INSTALL_H
#define ES_INSTALL_H

#include "es_error.h"

/* The environment variable that overrides the search (used as given). */
#define ES_LISTS_DIR_ENV "EXPORTSCREEN_LISTS_DIR"

/* Finds the bundled lists directory: $EXPORTSCREEN_LISTS_DIR when set and
 * non-empty; else, for the executable at exe_path (NULL: /proc/self/exe),
 * the first of <bindir>/../share/exportscreen and <bindir>/lists that holds
 * manifest.json. Sets *out (caller frees) or fails with ES_EMISSING and a
 * message naming the places looked at and what to do. */
es_code es_install_lists_dir(char **out, const char *exe_path, es_err *err);

#endif
