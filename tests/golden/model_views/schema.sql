CREATE TABLE teams (id int4 PRIMARY KEY, name text NOT NULL);
CREATE TABLE players (
    id int4 PRIMARY KEY,
    team_id int4 REFERENCES teams (id),
    name text NOT NULL,
    score int4 NOT NULL DEFAULT 0
);
CREATE VIEW roster AS
SELECT p.id, p.name, t.name AS team FROM players p LEFT JOIN teams t ON t.id = p.team_id;
CREATE OR REPLACE VIEW roster AS
SELECT p.id, p.name, t.name AS team, p.score FROM players p LEFT JOIN teams t ON t.id = p.team_id;
CREATE VIEW team_scores (team_id, total) AS
SELECT team_id, sum(score) FROM players GROUP BY team_id;
CREATE MATERIALIZED VIEW leaderboard AS
SELECT id, name, score, rank() OVER (ORDER BY score DESC) AS place FROM players;
CREATE VIEW scratch AS SELECT 1 AS one;
DROP VIEW scratch;
