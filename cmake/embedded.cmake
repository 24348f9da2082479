# Data files compiled into the binary: tandem_embed(<module> <symbol> <file>).
# Each line is owned by the module that reads the symbol.
