\ir unlogged-brin.sql
\ir when.sql
