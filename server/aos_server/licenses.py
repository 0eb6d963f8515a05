"""The licenses every installation knows (SPDX ids); admins can add more."""

from __future__ import annotations

from aos_fs.models import License

_SPDX = "https://spdx.org/licenses/{}.html"

DEFAULT_LICENSES: tuple[License, ...] = (
    License(tag="AllRightsReserved", name="All rights reserved (no license granted)"),
    *(
        License(tag=tag, name=name, url=_SPDX.format(tag))
        for tag, name in (
            ("CC0-1.0", "Creative Commons Zero v1.0 Universal"),
            ("CC-BY-4.0", "Creative Commons Attribution 4.0 International"),
            ("CC-BY-SA-4.0", "Creative Commons Attribution Share Alike 4.0 International"),
            ("CC-BY-NC-4.0", "Creative Commons Attribution Non Commercial 4.0 International"),
            ("CC-BY-ND-4.0", "Creative Commons Attribution No Derivatives 4.0 International"),
            ("ODbL-1.0", "Open Data Commons Open Database License v1.0"),
            ("PDDL-1.0", "Open Data Commons Public Domain Dedication & License 1.0"),
            ("ODC-By-1.0", "Open Data Commons Attribution License v1.0"),
            ("MIT", "MIT License"),
            ("Apache-2.0", "Apache License 2.0"),
            ("BSD-3-Clause", 'BSD 3-Clause "New" or "Revised" License'),
            ("GPL-3.0-only", "GNU General Public License v3.0 only"),
        )
    ),
)
