/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_JSON_ITEMS_H
#define SC_JSON_ITEMS_H

#include <stddef.h>

#include "json_writer.h"

/* Writes item i as one value of the array w has open. */
typedef void (*sc_jw_item_fn)(struct jw *w, size_t i, void *ctx);

/*
 * Items 0..n-1 into the array w has open, in order. Past a few thousand
 * items, every other block of them is written on a second thread, into
 * memory, and copied in its turn: a document of a million sockets is more
 * than a second of formatting on one core. The text is the same as one
 * thread's; item() must only read what it shares. Without a second CPU, a
 * thread or its memory, one thread writes them all. Returns how many blocks
 * the second thread wrote.
 */
size_t sc_jw_write_items(struct jw *w, size_t n, sc_jw_item_fn item, void *ctx);

#endif /* SC_JSON_ITEMS_H */
