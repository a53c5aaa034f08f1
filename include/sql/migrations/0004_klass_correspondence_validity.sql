-- A correspondence can hold the same pair at several dates (a kommune keeps its centrality class
-- across editions): the validity start belongs in the key, and is always known.
ALTER TABLE raw.klass_correspondences ALTER COLUMN valid_from SET NOT NULL;
ALTER TABLE raw.klass_correspondences DROP CONSTRAINT IF EXISTS klass_correspondences_pkey;
ALTER TABLE raw.klass_correspondences
    ADD CONSTRAINT klass_correspondences_pkey
    PRIMARY KEY (source_id, correspondence_id, source_code, target_code, valid_from);
