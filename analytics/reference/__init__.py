"""What a log is checked against: the schema, fiscal periods, the gazetteer of places, the
service catalogue, name folding, and the sample reconstructed from the published report."""
