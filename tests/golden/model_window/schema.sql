CREATE TABLE scores (player text NOT NULL, game int4 NOT NULL, points int4);
