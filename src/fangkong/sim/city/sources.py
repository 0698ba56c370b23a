"""Where the synthetic city's numbers come from (written into ``city.json``).

The comments beside each constant say which number comes from which source; this list is
the short form for readers of a city folder. "Assumption" marks modelling choices.
"""

SOURCES: dict[str, str] = {
    "codes": "GB/T 2260 administrative division codes: 320000 Jiangsu, 320100 Nanjing and its 11 districts; "
             "lower levels invented",
    "age_pyramid": "China 7th national census 2020, urban population by age (10-year bands, rounded; "
                   "fangkong.sim.city.population)",
    "household_size": "China 7th national census 2020: family households by size (1-5 persons as published, "
                      "6 and 7+ approximate), mean 2.62",
    "sex_ratio": "China 7th national census 2020: sex ratio 105.07, 51.24% male",
    "grid_size": "GB/T 34300-2017 城市社区网格化服务管理规范: about 300-500 households per urban grid",
    "density": "about 10,000 residents/km2, as in Nanjing's old-city districts (7th census 2020)",
    "enrolment": "Ministry of Education, statistical bulletin on education 2020: kindergarten gross enrolment "
                 "85.2%, compulsory education consolidation 95.2%, senior secondary gross enrolment 91.2%, "
                 "higher education 54.4%",
    "school_size": "MoE bulletin 2020: 291.7k kindergartens / 48.2 M children; 157.9k primary schools / "
                   "107.3 M pupils; urban schools larger (assumption 200 and 1,200 places)",
    "class_size": "幼儿园工作规程 (MoE 2016) classes of 25-35; MoE 2018 plan against classes over 45",
    "employment": "ILO modelled employment-to-population ratio for China 2020 (~63% of 15+); statutory "
                  "retirement ages 60 (men) and 50/55 (women), 国发〔1978〕104号; age rates are assumptions",
    "sectors": "National Bureau of Statistics 2020: employment 28.7% industry, 47.7% services",
    "working_hours": "Labour Law of the PRC art. 36 and State Council working-hours rules (1995): 8 h/day, "
                     "40 h/week; shift patterns are assumptions",
    "hospitals": "National Health Commission statistical bulletin 2020: 35,394 hospitals, 7.57 health "
                 "workers per 1,000 residents, ~5.5 outpatient visits per person per year",
    "venues": "counts per resident, opening hours, stays and leisure rates: modelling assumptions",
    "cells": "800 m x 800 m cells of 时空伴随 practice (fangkong.geo.cells)",
}
