# Data files compiled into the binary: tandem_embed(<module> <symbol> <file>).
# Each line is owned by the module that reads the symbol.
tandem_embed(store store_migration_0001 ${CMAKE_SOURCE_DIR}/src/store/migrations/0001_init.sql)
tandem_embed(nlu nlu_builtin_train ${CMAKE_SOURCE_DIR}/data/nlu/train.jsonl)
