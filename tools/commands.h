/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SC_COMMANDS_H
#define SC_COMMANDS_H

/* Each command gets argv starting at its own name; returns the exit code. */
int cmd_snapshot(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_cost(int argc, char **argv);
int cmd_close(int argc, char **argv);

#endif /* SC_COMMANDS_H */
