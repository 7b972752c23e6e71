DROP TABLE channel_notices;
DROP TABLE channel_cursors;
