# gzip P (in the current directory) to DEST, without a timestamp.
file(ARCHIVE_CREATE OUTPUT ${DEST} PATHS ${P} FORMAT raw COMPRESSION GZip MTIME 0)
