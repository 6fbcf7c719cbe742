"""Products beyond the social networks: a press release ("Thông cáo báo chí") made from
approved items (`press`), and scripts for grassroots radio ("truyền thanh cơ sở"), one
item read aloud or a week's bulletin for the loudspeaker operators (`radio`, `spoken`).
Both are laid out by `document` in the administrative layout of the periodic report."""
