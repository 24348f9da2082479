# Data files compiled into the binary: tandem_embed(<module> <symbol> <file>).
# Each line is owned by the module that reads the symbol.
tandem_embed(store store_migration_0001 ${CMAKE_SOURCE_DIR}/src/store/migrations/0001_init.sql)
tandem_embed(store store_migration_0002 ${CMAKE_SOURCE_DIR}/src/store/migrations/0002_identity_by_customer.sql)
tandem_embed(store store_migration_0003 ${CMAKE_SOURCE_DIR}/src/store/migrations/0003_callbacks_by_conversation.sql)
tandem_embed(store store_migration_0004 ${CMAKE_SOURCE_DIR}/src/store/migrations/0004_message_quick_replies.sql)
tandem_embed(nlu nlu_builtin_train ${CMAKE_SOURCE_DIR}/data/nlu/train.jsonl)
# The demo business seeded by 'tandem init --demo' (read by src/app/seed.c).
if(EXISTS ${CMAKE_SOURCE_DIR}/data/demo/brightline.json)
  tandem_embed(app tandem_demo_seed ${CMAKE_SOURCE_DIR}/data/demo/brightline.json)
  target_compile_definitions(tandem_app PRIVATE TANDEM_HAVE_DEMO_SEED)
endif()
# Reply templates of the AI first responder (read by src/dialog/state.c).
tandem_embed(dialog dialog_templates_en ${CMAKE_SOURCE_DIR}/data/templates/en.json)
tandem_embed(dialog dialog_templates_es ${CMAKE_SOURCE_DIR}/data/templates/es.json)
