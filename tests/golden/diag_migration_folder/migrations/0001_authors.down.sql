DROP TABLE authors; garbage here (
