/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_VERSION_H
#define SC_VERSION_H

#define SOCKCOST_VERSION "0.1.0"

#endif /* SC_VERSION_H */
