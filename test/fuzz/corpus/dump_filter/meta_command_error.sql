\connect other
CREATE TABLE t (a int);
