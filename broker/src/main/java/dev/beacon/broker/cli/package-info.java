/** The command-line entry point: flags to settings, the core broker wired to lookupd discovery, the ready line. */
package dev.beacon.broker.cli;
