-- The history store's schema 1, as a store written by the first engine holds it (engine/src/history.cpp,
-- kSchemaVersion1). Frozen: the migration test builds an old store from this file, so editing the engine's
-- text cannot silently change what "an older store" means.
CREATE TABLE methodologies (
  sha256 TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  version TEXT NOT NULL,
  path TEXT NOT NULL,
  yaml TEXT NOT NULL);
CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY,
  month TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  command_line TEXT NOT NULL,
  config_path TEXT NOT NULL,
  status TEXT NOT NULL);
CREATE TABLE run_inputs (
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  role TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (run_id, role, path));
CREATE TABLE revisions (
  revision_id INTEGER PRIMARY KEY,
  methodology_id TEXT NOT NULL,
  month TEXT NOT NULL,
  revision INTEGER NOT NULL,
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  methodology_sha256 TEXT NOT NULL REFERENCES methodologies(sha256),
  methodology_version TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  rule_basis TEXT NOT NULL,
  rule_deduct REAL NOT NULL,
  rule_coverage REAL NOT NULL,
  rule_floor REAL NOT NULL,
  rule_cap REAL,
  rule_rounding_step REAL,
  rule_rounding_mode TEXT,
  UNIQUE (methodology_id, month, revision));
CREATE TABLE results (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  pcode TEXT NOT NULL,
  smeb REAL,
  meb REAL,
  basis_cost REAL,
  unrounded REAL,
  value REAL,
  rounding_difference REAL,
  observed_share REAL,
  household_size REAL,
  note TEXT NOT NULL,
  PRIMARY KEY (revision_id, level, area));
CREATE TABLE prices_used (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  component TEXT NOT NULL,
  item TEXT NOT NULL,
  tier TEXT NOT NULL,
  unit TEXT NOT NULL,
  quantity REAL NOT NULL,
  price REAL,
  status TEXT NOT NULL,
  observations INTEGER NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (revision_id, level, area, component, item));
CREATE TABLE alerts (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  decision TEXT NOT NULL,
  computed REAL,
  in_force REAL,
  gap REAL,
  run_length INTEGER NOT NULL,
  observed_share REAL,
  reason TEXT NOT NULL,
  PRIMARY KEY (revision_id, level, area));
CREATE TABLE changes (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  reference_month TEXT NOT NULL,
  before REAL NOT NULL,
  after REAL NOT NULL,
  price_observed REAL NOT NULL,
  price_filled REAL NOT NULL,
  quantity REAL NOT NULL,
  rule REAL NOT NULL,
  rounding REAL NOT NULL,
  PRIMARY KEY (revision_id, level, area));
CREATE TABLE bands (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  variant TEXT NOT NULL,
  bands INTEGER NOT NULL,
  band INTEGER NOT NULL,
  area TEXT NOT NULL,
  weight REAL NOT NULL,
  own_value REAL NOT NULL,
  band_value REAL NOT NULL,
  paid REAL NOT NULL,
  gap REAL NOT NULL,
  relative_gap REAL NOT NULL,
  PRIMARY KEY (revision_id, variant, area));
CREATE TABLE in_force (
  entry_id INTEGER PRIMARY KEY,
  methodology_id TEXT NOT NULL,
  area TEXT NOT NULL,
  value REAL NOT NULL,
  effective_month TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  note TEXT NOT NULL);
CREATE INDEX revisions_by_month ON revisions (methodology_id, month);
CREATE INDEX in_force_by_area ON in_force (methodology_id, area, effective_month);
