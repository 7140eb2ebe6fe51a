-- TechPulse demo knowledge base: hand-written articles on common vehicle faults and maintenance.
--
-- Every article has a fixed id 'b0000000-0000-4000-8000-0000000000NN' (NN = 01 .. 39) so that retrieval
-- tests can name the article they expect. Content is dollar-quoted ($kb$ ... $kb$) and paragraphs are
-- separated by a blank line. vehicle_context is NULL for generic articles.
--
-- Load after the migrations:  psql -v ON_ERROR_STOP=1 -f deploy/demo/knowledge_base.sql
-- Re-running is harmless: rows whose id already exists are left as they are.

BEGIN;

-- 01 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000001',
'P0300: random or multiple cylinder misfire detected',
$kb$P0300 is the random misfire code. It means the engine computer (PCM) has counted misfires that are not confined to one cylinder, or that move around between cylinders. The PCM watches crankshaft speed: every firing stroke gives the crankshaft a small push, and when a cylinder fails to fire the crankshaft briefly slows down. If the misfire rate is high enough to raise emissions or to overheat the catalytic converter, it stores the code and turns on the check engine light. You will usually feel it as a rough or shaking idle, stumbling or hesitation when you accelerate, a loss of power, or a jerky feel at steady cruise. If the check engine light is flashing rather than steady, the misfire is severe right now.

Because the problem is shared between cylinders, the cause is usually something all cylinders have in common rather than one bad part. The usual suspects are a vacuum leak (a split PCV hose, a loose intake boot, a leaking intake manifold gasket), low fuel pressure from a weak pump or clogged filter, a dirty or failing mass airflow sensor, spark plugs that are all worn out, bad fuel or water in the fuel, an EGR valve stuck open, and mechanical problems such as a stretched timing chain or jumped timing. A damaged crankshaft reluctor ring or sensor can even produce false misfire counts. P0300 often appears together with single-cylinder codes (P0301 to P0308) or with lean codes (P0171, P0174), and those companion codes are important clues.

A technician starts with the freeze-frame data (engine speed, load and temperature when the code set), the misfire counters for each cylinder, and the short- and long-term fuel trims. High positive fuel trims point toward a vacuum leak or a fuel delivery problem; a smoke test finds intake leaks and a gauge confirms fuel pressure. If those check out, the spark plugs are inspected, and a compression or cylinder leak-down test rules out mechanical damage.

What you can safely do: note when it happens (cold start, wet weather, under load, right after filling up), think about whether you recently bought fuel from an unfamiliar station, and look for any obviously disconnected hoses. Avoid hard acceleration, towing and long highway trips until it is fixed, because unburned fuel from misfiring cylinders overheats the catalytic converter. Diagnosis is typically about one hour of labour ($100 to $180); the repair ranges from a $20 hose to a few hundred dollars for plugs or a sensor, and more if there is internal engine wear.$kb$,
'engine', NULL, ARRAY['p0300','misfire','rough idle','check engine light','vacuum leak'])
ON CONFLICT (id) DO NOTHING;

-- 02 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000002',
'P0301-P0306: misfire in one specific cylinder (coil swap test)',
$kb$Codes P0301 through P0306 (and P0307 and P0308 on V8 engines) mean the engine computer has detected misfires in one particular cylinder. The last digit is the cylinder number, so P0302 is cylinder 2 and P0304 is cylinder 4. The symptoms are the same as any misfire, such as a rough idle, shaking at stop lights and hesitation under load, but because only one cylinder is involved the cause is almost always a part that belongs to that cylinder: its ignition coil, its spark plug, its fuel injector, or its valves and piston rings.

Cylinder numbering depends on the manufacturer. On an inline four-cylinder, cylinder 1 is normally at the timing belt or chain end of the engine. On V6 and V8 engines the layout varies: Ford numbers the passenger-side bank first, while GM puts the odd-numbered cylinders on the driver side and the even ones on the passenger side. A technician looks up the diagram for your exact engine before touching anything.

The quickest first test on coil-on-plug engines is the coil swap. Move the coil from the misfiring cylinder to a neighbouring cylinder, clear the code and drive. If the misfire follows the coil (P0302 becomes P0303), the coil is bad. If it stays in the original cylinder, the next step is to pull and inspect the spark plug, looking for a cracked insulator, oil fouling, heavy carbon or an eroded electrode, and then to swap or test the injector. If the coil, plug and injector are all fine, a compression or leak-down test checks for a burnt valve, worn rings or a head gasket leak. Oil pooling in a spark plug well from a leaking valve cover or tube seal can also make one cylinder misfire.

What you can safely do: have the code read (many parts stores do it free) and write down the exact code and any others stored with it. Do not keep driving for weeks with a steady misfire, and stop driving hard if the check engine light flashes, because raw fuel from the dead cylinder can melt the catalytic converter. Typical costs: an ignition coil is $60 to $250 plus a little labour, a set of plugs $150 to $400 depending on engine access, a fuel injector $200 to $500 installed, and mechanical repairs such as a valve job considerably more.$kb$,
'engine', NULL, ARRAY['p0301','p0302','p0303','p0304','p0305','p0306','misfire','ignition coil'])
ON CONFLICT (id) DO NOTHING;

-- 03 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000003',
'Check engine light flashing vs. steady: what it means and what to do',
$kb$The check engine light, also called the malfunction indicator lamp (MIL), is the engine computer's way of telling you that it has stored a diagnostic trouble code. How the light behaves matters more than the fact that it is on. A steady light means a fault has been detected that affects emissions or engine control, but nothing is being damaged at this moment. A flashing light means an active, severe misfire is happening right now, and unburned fuel is going into the exhaust where it can overheat and destroy the catalytic converter within minutes of hard driving.

If the light is flashing: ease off the accelerator, avoid towing, climbing and highway speeds, and get the car to a shop as soon as practical. If the engine is shaking badly, or the light keeps flashing even at gentle speeds, pull over somewhere safe and arrange a tow. This is the one check engine situation where continuing to drive can turn a $200 ignition coil repair into a $1,500 catalytic converter replacement.

If the light is steady: the car is usually safe to drive normally for a short time while you book a diagnosis. Check the obvious first. Is the fuel cap tight and clicked? A loose cap is one of the most common causes of a steady light (EVAP codes such as P0455 or P0457). Also make sure no red warning lights are on: a red oil pressure or engine temperature warning is more serious than the check engine light and means you should stop the engine. If the car is running noticeably rough, losing power, or you smell fuel or hot metal, treat it as urgent even if the light is steady.

Reading the code: any OBD-II scanner plugged into the port under the dashboard can read the generic P0 codes, and many parts stores will read them free. The code points to a system, not necessarily to a failed part, so it is the starting point of a diagnosis rather than the answer. Clearing the code without fixing the cause just makes the light return, and it also resets the readiness monitors, so the car will fail an emissions inspection until it has completed several drive cycles. A typical diagnostic fee is $100 to $180, often credited toward the repair.$kb$,
'engine', NULL, ARRAY['check engine light','flashing','mil','obd-ii','diagnostic trouble code'])
ON CONFLICT (id) DO NOTHING;

-- 04 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000004',
'P0420: catalyst system efficiency below threshold (catalytic converter)',
$kb$P0420 means the engine computer thinks the catalytic converter on bank 1 is no longer storing oxygen and converting exhaust gases as well as it should. P0430 is the same fault on bank 2 of a V engine. The computer judges this by comparing two oxygen sensors: the upstream sensor, before the converter, switches rapidly between rich and lean, while a healthy converter smooths the exhaust so the downstream sensor reads a fairly steady signal. When the downstream signal starts to mirror the upstream one, the converter's oxygen storage is worn out and the code sets. Most drivers notice no difference in how the car runs; the main consequences are the check engine light and a failed emissions test.

The converter itself is the most common failed part on higher-mileage vehicles, but it is rarely the root cause. Catalysts are usually killed by something else: a long-running misfire that overheated the substrate, an engine burning oil, a leaking head gasket that puts coolant into the exhaust, or an engine that ran rich for a long time. Causes to rule out before buying a converter include an exhaust leak ahead of the downstream sensor (which lets fresh air in and fools it), a lazy or failed downstream oxygen sensor, and engine software that needs an update; some manufacturers have released reprogramming specifically for false P0420 codes.

A proper diagnosis looks at live oxygen sensor data at full operating temperature, checks for exhaust leaks, reviews fuel trims and misfire history, and sometimes compares converter inlet and outlet temperatures. If there are misfire or oil consumption problems, they must be fixed first or a new converter will fail again.

What you can safely do: make sure there are no other codes, and if there are misfire codes, deal with those first. Do not install oxygen sensor spacers or simulators; they are not legal for road use in most places and will not pass an inspection. Fuel system cleaners rarely revive a genuinely failed catalyst. Cost: an aftermarket direct-fit converter is roughly $300 to $1,200 installed, an OEM converter $1,000 to $2,500 or more, and in California and other CARB states only CARB-approved converters may be fitted. Check your warranty first: in the US the catalytic converter is covered by the federal emissions warranty for 8 years or 80,000 miles.$kb$,
'emissions', NULL, ARRAY['p0420','p0430','catalytic converter','oxygen sensor','emissions'])
ON CONFLICT (id) DO NOTHING;

-- 05 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000005',
'P0171 / P0174: system too lean (bank 1 / bank 2)',
$kb$P0171 (bank 1) and P0174 (bank 2) are lean codes. They mean the engine computer has had to add much more fuel than expected to keep the air-fuel ratio correct, and it has reached the limit of its correction. This correction is called fuel trim. A long-term fuel trim of a few percent either way is normal, but values beyond roughly +20 to +25 percent usually set a lean code. In plain terms, the engine is getting either too much unmetered air or too little fuel. Symptoms include a rough or hunting idle, hesitation, a lack of power, occasional misfires (P0300), and sometimes nothing noticeable at all.

If both P0171 and P0174 are set on a V engine, the problem is something both banks share: a dirty or failing mass airflow (MAF) sensor that under-reports air, low fuel pressure from a weak pump, clogged filter or faulty regulator, or a large vacuum leak such as a split PCV hose or a leaking brake booster hose. A lean code on one bank only points toward something on that side, such as a leaking intake manifold gasket section or an exhaust leak ahead of that bank's upstream oxygen sensor.

A useful shop test is to compare fuel trims at idle and at 2,500 rpm. If the trims are very high at idle but improve at higher rpm, a vacuum leak is likely, because the leak is a large share of total airflow at idle and a small share at speed. If the trims get worse under load, fuel delivery (pump, filter, injectors) is the likely problem. A smoke test finds intake leaks quickly, and a fuel pressure and volume test confirms the pump. Cleaning the MAF sensor with dedicated MAF cleaner often fixes a marginal sensor.

What you can safely check: with the engine idling, listen around the intake for a hissing sound. Look at the large rubber intake duct between the air filter box and the throttle body; cracks in its folds and loose clamps after an air filter change are very common. Make sure the air filter box lid is fully clipped down. Costs vary from a $15 hose or can of MAF cleaner to $150 to $400 for an intake gasket and $500 to $1,200 for a fuel pump.$kb$,
'engine', NULL, ARRAY['p0171','p0174','lean','fuel trim','vacuum leak','maf'])
ON CONFLICT (id) DO NOTHING;

-- 06 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000006',
'P0128: coolant temperature below thermostat regulating temperature',
$kb$P0128 means the engine took too long to warm up, or never reached its normal operating temperature, according to the engine computer's model of how quickly it should warm. The thermostat is a wax-pellet valve that stays closed while the engine is cold, so coolant does not flow to the radiator, and opens at around 88 to 95 degrees C (190 to 203 degrees F) on most modern engines. If it sticks open, coolant passes through the radiator all the time and the engine runs cool, especially at highway speed in cold weather.

Typical symptoms are a temperature gauge that reads lower than usual or drops while cruising, a heater that blows only lukewarm air, and slightly worse fuel economy, because a cold engine runs richer. The check engine light is usually the only warning. This fault is not an emergency, but an engine that runs too cold wears faster, builds up sludge and carbon, and can fail an emissions test. It also makes defrosting slow in winter, which is a visibility concern.

The thermostat is the most common cause, but a technician will also check the engine coolant temperature (ECT) sensor, because a sensor that reads low can set the same code, and confirm the coolant level is correct, since low coolant can leave the sensor sitting in an air pocket. A cooling fan that runs all the time because of a stuck relay will also keep the engine too cool. The diagnosis usually involves watching the ECT reading on a scan tool from a cold start, comparing it with an infrared thermometer reading at the thermostat housing, and checking whether the upper radiator hose gets hot early, which shows coolant is flowing before it should.

What you can safely check: with the engine completely cold, look at the coolant level in the overflow reservoir, and note whether the temperature gauge behaves differently from normal. Never open the radiator cap on a hot engine. On some vehicles, repeated short trips in very cold weather can set P0128 even with a healthy thermostat, and a software update may be available. Replacing a thermostat usually costs $150 to $450 including coolant, depending on how buried it is; always use the coolant type the manufacturer specifies.$kb$,
'cooling', NULL, ARRAY['p0128','thermostat','coolant temperature','heater','engine running cold'])
ON CONFLICT (id) DO NOTHING;

-- 07 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000007',
'EVAP leak codes P0442, P0455, P0456 and the loose gas cap',
$kb$The evaporative emission (EVAP) system traps fuel vapour from the tank in a charcoal canister and later draws it into the engine to be burned, instead of venting it to the air. Periodically the engine computer seals the system and checks whether it holds vacuum or pressure. If it does not, it sets a leak code: P0455 means a large leak (about the size of a missing cap), P0442 a small leak (about 0.040 inch or 1 mm), and P0456 a very small leak (about 0.020 inch or 0.5 mm). These codes have no effect on how the car drives, but they turn on the check engine light and will fail an emissions inspection.

Start with the gas cap, especially if the light came on soon after filling up. A cap that was not tightened until it clicked, a cap left on the pump island, a cracked or dried-out seal, or an ill-fitting aftermarket cap are the most common causes, especially of P0455 and P0456. Tighten the cap until it clicks, inspect the rubber seal, and if the cap is old, replace it with an OEM cap ($15 to $40). On capless filler systems, check that the flapper closes fully and is not held open by dirt. The light will not go off straight away: the EVAP monitor only runs under particular conditions, often after the car has sat overnight with the tank between about a quarter and three-quarters full, so it may take several days of normal driving before it clears by itself.

If the code returns, a shop will do a smoke test, feeding harmless visible smoke into the EVAP system and looking for where it escapes. Common failures include the canister vent valve, which can stick open or closed and often also causes trouble refuelling (the pump keeps clicking off); the purge valve, which can also cause rough running or hard starting right after refuelling; cracked vapour hoses; a rusted filler neck; and a cracked charcoal canister. Typical repair costs are $150 to $350 for a vent or purge valve and $300 to $700 for a canister.

A habit that prevents many EVAP problems: stop refuelling when the nozzle clicks off the first time. Topping off pushes liquid fuel into the charcoal canister, which is designed only for vapour, and can ruin the canister and its valves.$kb$,
'emissions', NULL, ARRAY['p0442','p0455','p0456','evap','gas cap','purge valve','vent valve'])
ON CONFLICT (id) DO NOTHING;

-- 08 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000008',
'P0335: crankshaft position sensor circuit (stalling when hot, crank no-start)',
$kb$The crankshaft position (CKP) sensor tells the engine computer how fast the engine is turning and exactly where each piston is. Without that signal the computer cannot time spark or fuel injection, so a failing sensor usually causes dramatic symptoms: the engine cranks but will not start, it stalls suddenly while driving and restarts only after cooling down, or it stumbles while the tachometer needle drops to zero for a moment. P0335 means the computer has seen no signal or an implausible signal from the sensor circuit; related codes P0336 to P0339 indicate a range problem or an intermittent signal.

Heat is the classic trigger. As a sensor's internal windings or electronics age, they can fail when hot and recover when cool, which is why a car might stall after thirty minutes of driving, won't restart in a parking lot, and then starts normally an hour later. Other causes include an oil-soaked or corroded connector, chafed wiring near the exhaust, metal debris stuck to a magnetic sensor tip, and a damaged reluctor (tone) ring on the crankshaft or flywheel. A weak battery or a poor ground can also distort the signal.

A technician checks whether the scan tool shows engine rpm while cranking; no rpm reading on a cranking engine strongly suggests the CKP circuit. The wiring and connector are inspected, the sensor's resistance or supply voltage is measured depending on whether it is a two-wire magnetic or three-wire Hall-effect type, and an oscilloscope shows whether the signal drops out when hot. Some vehicles need a crankshaft position variation relearn with a scan tool after the sensor is replaced, otherwise misfire detection may not work correctly.

What you can safely do: if the car stalls while driving, steer to a safe spot (steering and braking will feel heavier with the engine off), switch on the hazard lights, and note whether the tachometer dropped to zero before it died. Because this fault can strand you, it should be fixed promptly rather than watched. Replacement usually costs $120 to $400; sensors mounted behind the transmission bellhousing or under the intake manifold cost more in labour.$kb$,
'engine', NULL, ARRAY['p0335','crankshaft position sensor','ckp','stalling','no start'])
ON CONFLICT (id) DO NOTHING;

-- 09 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000009',
'P0101: mass airflow (MAF) sensor range/performance',
$kb$The mass airflow (MAF) sensor sits in the intake duct between the air filter and the throttle body and measures how much air is entering the engine, usually with a heated wire or film that is cooled by the passing air. The engine computer uses that reading to decide how much fuel to inject. P0101 means the MAF reading does not agree with what the computer expects from its other sensors, such as throttle position, manifold pressure and engine speed. P0102 and P0103 are the related low-input and high-input circuit codes.

Symptoms include hesitation or bogging when you accelerate, stalling just after starting or when coming to a stop, a rough idle, poor fuel economy, black smoke on some engines, and lean codes (P0171, P0174) when the sensor under-reads. Some cars go into a reduced-power mode.

The most common cause of an engine that hesitates with this code is simply a dirty mass airflow sensor element. Oil from over-oiled reusable air filters, dust getting past a badly seated filter, and vapour from the crankcase ventilation system all coat the element. Other causes are an air leak between the sensor and the engine (a split intake boot lets in air the sensor never measured), a badly clogged air filter, a damaged connector, and a genuinely failed sensor. A technician compares the MAF reading in grams per second against expected values. As a rough rule a warm engine at idle reads around 1 gram per second per litre of displacement, so about 2 to 3 g/s for a 2.5-litre engine, and the reading should climb smoothly with rpm. A smoke test confirms there are no leaks downstream of the sensor.

What you can safely do: check that the air filter is reasonably clean and the airbox lid is fully clipped, and inspect the rubber intake duct for cracks. You can clean the sensor yourself with a spray can of MAF sensor cleaner: unplug it, remove it, spray the element without touching it, and let it dry completely before reinstalling. Never use carburettor or brake cleaner, compressed air, or a brush on it. If cleaning does not help, a new sensor usually costs $100 to $350; cheap unbranded sensors are a frequent cause of repeat problems.$kb$,
'engine', NULL, ARRAY['p0101','maf','mass airflow sensor','hesitation','stalling','air filter'])
ON CONFLICT (id) DO NOTHING;

-- 10 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000010',
'P0700: transmission control system malfunction (limp mode)',
$kb$P0700 is a general flag rather than a specific fault. It means the transmission control module (TCM) has detected a problem and asked the engine computer to turn on the check engine light. The actual fault is stored as a separate code in the TCM, for example a shift solenoid (codes in the P0750 to P0770 range), the transmission range sensor (P0705), an input or output speed sensor (P0715, P0720), the fluid temperature sensor (P0710), or a gear ratio error such as P0730. A basic code reader that only talks to the engine computer will show P0700 and nothing else, so the first step is always a scan with a tool that can read the transmission module.

Symptoms that often accompany P0700 include harsh or delayed shifts, the transmission stuck in one gear (often second or third, known as limp or fail-safe mode), the engine revving high at highway speed, a flashing overdrive or gear indicator on some vehicles, and sometimes no symptoms at all. Limp mode is deliberate: the transmission locks itself into a gear that lets you drive slowly to a shop while protecting it from further damage.

Causes range from simple to serious. Low or burnt fluid, a loose or corroded connector, a weak battery or poor ground (low voltage can upset the TCM), and a failed speed or range sensor are comparatively cheap to fix. Shift solenoids and valve bodies are mid-range repairs. Internal clutch or band wear, which shows up as slipping and gear ratio codes, may mean a rebuild. Some TCMs also receive software updates that correct shift problems, so a dealer should check for updates for your VIN.

What you can safely do: if your vehicle has a transmission dipstick, check the fluid level and condition exactly as the owner's manual describes (usually engine warm and running, in Park, on level ground). Look under the car for red or brown drips. Restarting the engine sometimes clears limp mode temporarily, but the fault will come back. Avoid highway driving and towing in limp mode. Typical costs: diagnosis $100 to $200, a sensor $150 to $400, a solenoid or solenoid pack $300 to $900, a valve body $600 to $1,500, and a rebuilt or replacement transmission $2,500 to $5,500 or more.$kb$,
'transmission', NULL, ARRAY['p0700','transmission','tcm','limp mode','shift solenoid'])
ON CONFLICT (id) DO NOTHING;

-- 11 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000011',
'Brake pads squealing or grinding',
$kb$Brake noise has several causes, and the kind of noise tells you a lot. A high-pitched squeal while driving, which may stop when you press the brake or appear only during light braking, is often the wear indicator: a small metal tab on the pad that is designed to scrape the rotor when the friction material is down to about 2 to 3 mm. It is an audible reminder that new pads are needed soon. A grinding, growling or scraping noise when braking is more serious. It usually means the pad material is gone and the steel backing plate is cutting into the rotor, which reduces braking performance and quickly ruins the rotor.

Not all brake noise means wear. A light grinding or squeak on the first few stops on a damp morning is usually surface rust being wiped off the rotors and is normal. Squealing with plenty of pad left can come from glazed pads, missing anti-rattle clips or shims, dry caliper slide pins, or a hard, noisy pad compound. A constant scraping that does not change when you brake can be a bent dust shield touching the rotor, or a small stone trapped between the shield and the rotor.

A brake inspection measures pad thickness at each wheel (new pads usually have around 10 to 12 mm of friction material), checks the rotors for minimum thickness, scoring and a worn lip at the edge, inspects the caliper slides and hardware, and checks the brake fluid level and condition. Uneven wear between the inner and outer pad, or between the left and right wheels, points to a sticking caliper or seized slide pin that should be fixed at the same time.

What you can safely check: with the car parked, look through the wheel spokes at the pad pressed against the rotor. If the friction material looks thinner than about 3 mm, roughly the thickness of two stacked coins, book a brake service. If you hear metal-on-metal grinding, have it inspected within days and drive gently in the meantime. Typical costs are $150 to $300 per axle for pads alone and $300 to $700 per axle for pads and rotors; waiting until the brakes grind usually means paying for rotors as well.$kb$,
'brakes', NULL, ARRAY['brake pads','squeal','grinding','wear indicator','brake noise'])
ON CONFLICT (id) DO NOTHING;

-- 12 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000012',
'Steering wheel shake and brake pedal pulsation when braking (warped rotors)',
$kb$If the steering wheel shakes or the brake pedal pulses up and down when you brake, especially when slowing from highway speed, the usual diagnosis is warped rotors. The rotors are rarely actually bent. What usually happens is disc thickness variation: the rotor develops slightly thick and thin spots, often because pad material has been deposited unevenly or because the rotor was running with a small side-to-side wobble (lateral runout) that made the pads rub one area more than the rest. Each time the thick spot passes through the caliper it pushes the pistons back, and you feel that as a pulse. A variation of only a few thousandths of an inch is enough to feel.

Where you feel it is a clue. A shake through the steering wheel usually means the front rotors; a pulsation felt mostly in the pedal or the seat points to the rear. A vibration that is present whether or not you are braking is not a brake problem; look instead at tire balance, a damaged tire, or worn suspension or driveline parts.

Common causes include lug nuts tightened unevenly with an impact wrench, rust or debris between the rotor and the hub, hard braking down long hills followed by holding the pedal while stopped (which imprints pad material onto a hot rotor), low-quality rotors, and pads that were never properly bedded in. A technician measures lateral runout with a dial indicator and thickness variation with a micrometer, then either resurfaces the rotors, if they remain above the minimum thickness stamped on them, or replaces them. Cleaning the hub face and tightening the lug nuts with a torque wrench in a star pattern prevents a repeat.

What you can do: note whether it happens at all speeds or only when braking from highway speed, and whether you feel it in the steering wheel or the pedal. It is not usually dangerous in the short term, but severe pulsation can lengthen stopping distances and upset the ABS on rough surfaces. After new pads or rotors, follow the bedding-in procedure, typically several moderate stops from about 35 mph without coming to a complete stop. Typical cost: $300 to $700 per axle for rotors and pads.$kb$,
'brakes', NULL, ARRAY['warped rotors','brake pulsation','steering wheel shake','vibration when braking','rotors'])
ON CONFLICT (id) DO NOTHING;

-- 13 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000013',
'Soft or spongy brake pedal and brake fluid service',
$kb$A firm, high brake pedal depends on a sealed hydraulic system full of incompressible fluid. When the pedal feels soft or spongy, travels further than usual, or slowly sinks toward the floor while you hold it at a stop, something in that system is wrong. This is a safety issue: if the pedal goes to the floor, or you have to pump it to stop, do not drive the vehicle; have it towed.

The common causes are air in the lines (after a repair, or if the reservoir ran low), old brake fluid that has absorbed water, a fluid leak, and internal wear. Glycol-based brake fluid (DOT 3, DOT 4 and DOT 5.1) is hygroscopic, meaning it absorbs moisture from the air through hoses and seals. After a few years the water content lowers the fluid's boiling point, so during long downhill braking or towing the fluid can boil, creating vapour bubbles and a sudden soft pedal. Leaks show up as wet patches on the inside of a wheel or tire, at the calipers, or along the steel brake lines, which rust on older vehicles. A pedal that slowly sinks with no external leak usually means the master cylinder seals are bypassing internally. Rear drum brakes out of adjustment and rubber brake hoses that balloon under pressure can also lengthen pedal travel.

A technician checks the fluid level and condition (a test strip or meter measures moisture or copper content), inspects every line, hose, caliper and wheel cylinder, and bleeds the system properly, using a scan tool to cycle the ABS pump on vehicles that require it. Most manufacturers recommend replacing brake fluid every two to three years regardless of mileage.

What you can safely check: look at the brake fluid reservoir under the hood. The level drops slowly as the pads wear, which is normal, but a sudden drop or a level below MIN means a leak or very worn pads. Top up only with the fluid type printed on the cap, and never put DOT 5 silicone fluid into a system designed for DOT 3 or DOT 4. A red BRAKE warning light that stays on with the parking brake released means low fluid or a hydraulic fault. Costs: brake fluid flush $100 to $160, caliper $200 to $500 per wheel, master cylinder $300 to $650.$kb$,
'brakes', NULL, ARRAY['spongy brake pedal','soft brake pedal','brake fluid','master cylinder','brake bleed','brake warning light'])
ON CONFLICT (id) DO NOTHING;

-- 14 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000014',
'ABS warning light on (wheel speed sensors, traction control)',
$kb$The anti-lock brake system (ABS) uses a sensor at each wheel to measure wheel speed, and a hydraulic control unit that rapidly releases and reapplies brake pressure when a wheel starts to lock during hard braking. When the ABS module detects a fault in itself or in any sensor, it switches the ABS off and turns on the amber ABS light. The traction control and stability control lights usually come on at the same time, because those systems use the same sensors and hardware.

With only the ABS light on, your normal brakes still work, but the wheels can lock in an emergency stop or on slippery roads, and stability control will not be there to help. Drive a little more conservatively, leave extra following distance, and get it checked. If the red BRAKE light is on together with the ABS light, the problem may affect normal braking or the balance of braking force between front and rear; stop driving and have it inspected.

The most common cause by far is a wheel speed sensor or its wiring. The sensors sit right next to the wheel hub, where they are exposed to road salt, water and brake dust; wires get stretched or pinched during suspension or brake work; and on many vehicles rust building up under the sensor or a cracked tone ring (the toothed ring the sensor reads) corrupts the signal. Worn wheel bearings with a built-in sensor ring can also trigger ABS faults. Other causes are low brake fluid, a blown ABS fuse, low battery voltage, and failure of the ABS module or pump motor.

Diagnosis needs a scan tool that can read the ABS module; basic engine code readers usually cannot see the C codes it stores. The technician identifies which wheel is at fault and watches live wheel speed data during a drive, where a sensor that reads zero or drops out is easy to spot. What you can safely check: the brake fluid level, and whether the light came on right after tire, brake or suspension work, since a knocked sensor connector is common. Typical costs: a wheel speed sensor is $150 to $400 installed, a hub bearing with integrated sensor ring $250 to $600, and an ABS module $500 to $2,000, with rebuilt modules available for some vehicles.$kb$,
'brakes', NULL, ARRAY['abs light','wheel speed sensor','traction control','abs module','stability control'])
ON CONFLICT (id) DO NOTHING;

-- 15 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000015',
'Car won''t start, only clicking: weak or dead 12V battery',
$kb$When you turn the key or press the start button and hear rapid clicking, see the dash lights dim or flicker, or the engine turns over very slowly, the 12-volt battery is the most likely culprit. The rapid clicking is the starter solenoid engaging and dropping out again because the battery voltage collapses under load. A single loud click with bright dash lights points instead toward the starter or its wiring, and complete silence with no lights at all suggests a completely flat battery or a disconnected cable.

Car batteries typically last three to five years, and heat shortens their life more than cold does. Cold is when a weak battery finally gives up, though, because a cold engine is harder to turn and a cold battery delivers less current. Other common causes of a flat battery are lights or accessories left on, a car that sits unused for weeks, lots of very short trips that never recharge the battery, loose or corroded terminals, a charging system fault, or a parasitic drain.

What you can safely check: look at the battery terminals for white or green crusty corrosion and make sure the clamps cannot be twisted by hand. If you have a multimeter, a fully charged battery at rest reads about 12.6 V; 12.4 V is about 75 percent charged, and 12.0 V or less is essentially flat. To jump-start, connect red to the dead battery's positive terminal, red to the donor battery's positive, black to the donor's negative, and the last black clamp to bare metal on the dead car's engine, away from the battery. Start the donor car, wait a few minutes, then try. If the car starts, drive for at least thirty minutes or have the battery tested; a jump start is not a fix.

A shop will test the battery with a load tester or conductance tester, check the charging voltage (about 13.5 to 14.7 V with the engine running), and test for a drain if the battery keeps going flat. Many newer cars with stop-start use AGM or EFB batteries, which must be replaced with the same type, and some (including many BMW, Audi and Volkswagen models) need the new battery registered to the car's computer. A replacement costs about $150 to $250 for a standard flooded battery and $200 to $400 for an AGM battery, installed.$kb$,
'electrical', NULL, ARRAY['battery','no start','clicking','jump start','12v battery','dead battery'])
ON CONFLICT (id) DO NOTHING;

-- 16 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000016',
'Battery light on while driving: alternator or charging system failure',
$kb$The red battery-shaped warning light does not mean the battery itself is bad. It means the charging system is not producing the voltage it should. The alternator, driven by the serpentine belt, normally supplies all of the car's electrical power while the engine runs and recharges the battery at the same time. When it stops charging, the car runs entirely on the battery, which may last anywhere from a few minutes to an hour before the engine stalls and will not restart.

Signs of a failing alternator include the battery light or a charging system message, headlights and dash lights that dim at idle and brighten when you rev the engine, slow power windows, radio or infotainment resets, a whining or grinding noise from the front of the engine, and a smell of hot wiring or rubber. A battery that keeps dying even after it has been replaced is often an alternator problem, and a battery light that flickers at idle and goes out when you rev the engine often points to a worn alternator or a slipping belt. If the serpentine belt has broken, the battery light comes on together with heavy steering and, on many engines, a rising temperature gauge, because the water pump is driven by the same belt.

What to do if the battery light came on while you were driving: switch off everything you do not need (heated seats, rear defroster, air conditioning, audio) to make the battery last longer, and drive directly to a shop or home while the battery still has charge. Do not switch the engine off until you arrive, because it may not restart. If the temperature gauge is climbing or the steering has become very heavy, pull over safely and stop, because driving with a broken belt can overheat the engine.

A technician measures charging voltage at the battery: about 13.5 to 14.7 V with the engine running is normal, and less than 13 V with the lights and blower on suggests a failing alternator. They also check the belt and tensioner, the main charging fuse or fusible link, and the voltage drop across the cables and grounds, because a corroded ground strap can mimic a failed alternator. Many parts stores can bench-test an alternator. A remanufactured alternator typically costs $400 to $900 installed; new OEM units, and engines where the alternator is hard to reach, cost more. A battery that was run completely flat should be recharged properly or replaced, because deep discharge damages it.$kb$,
'electrical', NULL, ARRAY['alternator','battery light','charging system','dim lights','serpentine belt'])
ON CONFLICT (id) DO NOTHING;

-- 17 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000017',
'Battery keeps going dead overnight: finding a parasitic drain (Subaru Outback)',
$kb$A parasitic drain is electrical current that keeps flowing after the car is switched off and locked. Every modern car draws a little to keep the clock, alarm, keyless entry receiver and module memories alive, but once the control modules go to sleep the draw should fall to roughly 20 to 50 milliamps. A drain of a few hundred milliamps will flatten a healthy battery in a few days, and a larger one can kill it overnight. The usual symptom is a battery that keeps going dead: the car starts fine when it is driven every day but is dead after sitting overnight or over a weekend, and the battery tests good once it has been recharged.

Subaru Outback owners, particularly of 2015 to 2019 models, have reported this problem widely. Causes found on these vehicles include modules (infotainment, telematics, keyless access) that fail to go to sleep, accessories left plugged into the power outlets, the rear liftgate or a door not fully latched, which keeps lights and modules awake, and a battery that is marginal for a car used mostly for short trips. Subaru has issued service bulletins covering software updates and, in some cases, a higher-capacity battery, so ask a Subaru dealer to check whether any apply to your VIN. Earlier Outbacks, and every other make, are diagnosed the same way.

Common culprits on any car: a glovebox, trunk or vanity mirror light that stays on, aftermarket dash cams, remote starters, alarms and stereo amplifiers, a sticking relay, a leaking alternator diode, and phone chargers left in always-on outlets.

To find a drain, a technician connects an ammeter in series with the battery (or uses a low-amp clamp), fools the door and hood latches into reading closed, and waits for the modules to sleep, which can take 20 to 60 minutes on newer vehicles. If the draw is too high, they measure the tiny voltage drop across each fuse to see which circuit is carrying the current, then narrow it down to the component. Pulling fuses one at a time also works, but it can wake modules up and confuse the result.

What you can safely do: unplug all accessories, make sure the liftgate and doors are fully shut and the interior lights go out, and if the car will sit for more than a week, connect a smart battery maintainer so the battery does not go dead. Drain diagnosis usually takes one to two hours of labour ($150 to $300) plus whatever part is at fault.$kb$,
'electrical', 'Subaru Outback 2010-2019', ARRAY['parasitic drain','battery drain','dead battery','battery dead overnight','subaru','outback'])
ON CONFLICT (id) DO NOTHING;

-- 18 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000018',
'Tire pressure (TPMS) warning light: cold weather, sensor batteries and relearn',
$kb$The tire pressure monitoring system (TPMS) warns you when one or more tires is significantly underinflated; in the US the rule requires a warning when pressure is 25 percent or more below the recommended level. The warning is a yellow symbol shaped like a tire cross-section (a flat horseshoe) with an exclamation mark. How the light behaves tells you what kind of problem you have. If it comes on and stays on steadily, at least one tire is low. If it flashes for about a minute when you start the car and then stays on, the system itself has a fault.

Cold weather is the most common reason for the light to appear. If the light came on after a cold night, or the first time the temperature got near freezing in the autumn, the tires have most likely just lost pressure to the cold. Tire pressure drops by about 1 psi for every 10 degrees F (roughly 5 to 6 degrees C) fall in air temperature, so a tire set correctly on a warm afternoon can be 3 to 5 psi low after a cold night, enough to trigger the warning. The light may even go off after a few miles as the tires warm up. That is not a fault, but it does mean the tires need air. Check all four with a gauge while they are cold and inflate them to the pressure on the sticker in the driver's door jamb, not the maximum pressure molded on the tire sidewall. If one tire is much lower than the others, look for a nail or screw and check it again the next day.

A flashing light usually means a sensor has stopped communicating. Direct TPMS sensors are mounted inside each wheel and run on a sealed battery that lasts roughly 5 to 10 years, so on older vehicles sensors often start failing one after another. Other causes are a sensor damaged during a tire change, winter wheels fitted without sensors, or sensors the car has not learned after a rotation or replacement. Depending on the vehicle, relearning happens automatically after a short drive, needs a reset button or menu procedure, or needs a TPMS tool at a shop. Some cars (many Honda, Volkswagen and Mazda models) use indirect TPMS, which detects a low tire through ABS wheel speed differences and must be reset from the menu after you adjust the pressures.

Costs: adding air is free or nearly so; a replacement sensor typically costs $50 to $150 per wheel including mounting and programming. Driving on an underinflated tire increases wear and fuel use and can lead to a blowout, so do not ignore a steady light.$kb$,
'tires', NULL, ARRAY['tpms','tire pressure','low tire pressure','cold weather','tpms sensor','relearn'])
ON CONFLICT (id) DO NOTHING;

-- 19 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000019',
'Tire rotation schedule and reading uneven tire wear',
$kb$Tires on the front and rear of a vehicle wear differently. On a front-wheel-drive car the front tires steer, do most of the braking and transmit the engine's power, so they wear much faster than the rears; rear-wheel-drive and four-wheel-drive vehicles wear in a different pattern again. Rotating the tires, which means moving them to different positions on a regular schedule, evens out the wear so that all four last longer and the car keeps predictable handling. As for how often to rotate them, most manufacturers recommend rotation every 5,000 to 7,500 miles (8,000 to 12,000 km), which conveniently lines up with most oil changes.

The rotation pattern depends on the drivetrain and the tires. Front-wheel-drive cars usually use a forward cross (the fronts go straight back, and the rears cross to the opposite front); rear-wheel and four-wheel drive vehicles use a rearward cross. Directional tires, marked with an arrow on the sidewall, may only be swapped front to back on the same side, and vehicles with different tire sizes front and rear (staggered fitments) can only be swapped side to side, and only if the tires are not directional. On all-wheel-drive vehicles keeping tread depths matched is especially important, because a large difference in tire diameter can strain the center differential or coupling; many manufacturers specify that all four tires must be within 2/32 to 4/32 inch of each other.

Uneven wear patterns tell a story. Wear in the center of the tread means overinflation; wear on both outer edges means underinflation; wear on only the inside or outside edge points to camber or toe misalignment; a feathered, saw-tooth feel across the tread usually means the toe setting is off; and cupping or scalloping (patchy dips around the tread) points to worn shocks or struts or an out-of-balance wheel. Fixing the cause matters, because rotating a tire with a problem only spreads the damage.

What you can check: measure tread depth with a gauge or a coin. In most US states 2/32 inch is the legal minimum (Lincoln's whole head visible in a penny), but wet and snow grip drop sharply below 4/32 inch (the top of Washington's head visible on a quarter). Check pressures monthly when the tires are cold. Rotation typically costs $20 to $50 or is free with a tire purchase; balancing adds $40 to $80 for four wheels.$kb$,
'tires', NULL, ARRAY['tire rotation','uneven tire wear','tread depth','cupping','awd','tire balance'])
ON CONFLICT (id) DO NOTHING;

-- 20 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000020',
'Car pulls to one side or steering wheel is off-center: wheel alignment',
$kb$A car that drifts or pulls to one side on a straight, flat road, or a steering wheel that sits crooked when you are driving straight, usually means the wheel alignment is out, but alignment is only one of several possible causes. Alignment refers to three main angles: toe (whether the wheels point slightly inward or outward when viewed from above), camber (whether the tops of the tires lean in or out) and caster (the forward or rearward tilt of the steering axis). Hitting a pothole or curb, worn suspension parts, and normal settling over time can all change these angles.

Before paying for an alignment, rule out the simpler causes. Unequal tire pressure, especially a low front tire, makes a car pull toward the low side. A tire with an internal belt defect can cause what is called radial pull; a shop diagnoses this by swapping the front tires left to right, and if the pull changes direction, the tire is the cause. A sticking brake caliper causes a pull that is often worse when braking, and that wheel will be noticeably hotter than the others after a drive, sometimes with a smell of hot brakes. If the pull appears only when braking, look at the brakes first; if it appears only when accelerating hard in a front-wheel-drive car, it may be torque steer or a worn engine mount. Most roads are also crowned for drainage, so a slight drift toward the edge of the road is normal.

A technician inspects the tie rod ends, ball joints and control arm bushings before aligning, because a car with loose parts cannot hold an alignment. A four-wheel alignment sets all the adjustable angles to the manufacturer's specifications and centers the steering wheel. Many newer vehicles then need the steering angle sensor recalibrated, and cars with lane-keeping cameras or radar may need an ADAS calibration as well.

What you can check: set all four tires to the door placard pressure and test the car in a flat, empty parking lot. Look at the front tires for wear on one edge. Get an alignment after fitting new tires, after a hard pothole or curb strike, and after replacing steering or suspension parts. Typical cost: $100 to $200 for a four-wheel alignment, more if adjusters are seized or a camera calibration is needed.$kb$,
'suspension', NULL, ARRAY['wheel alignment','pulling to one side','steering wheel off center','toe','camber','tire wear'])
ON CONFLICT (id) DO NOTHING;

-- 21 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000021',
'Engine overheating and coolant leaks: what to do and common causes',
$kb$If the temperature gauge climbs toward the red, a red temperature warning light comes on, or you see steam from under the hood, the engine is overheating and needs attention immediately. Driving an overheated engine for even a few minutes can warp the cylinder head, blow the head gasket or seize the engine. Turn off the air conditioning, turn the heater to maximum heat with the fan on full (this moves engine heat into the cabin), and if the gauge keeps rising, pull over safely and switch the engine off. Never open the radiator cap or coolant reservoir cap on a hot engine: the coolant is under pressure above its boiling point and can spray out and cause serious burns. Wait at least thirty minutes.

Low coolant from a leak is the most common cause. Look for puddles under the front of the car (coolant is usually green, orange, pink or blue and smells sweet) and crusty residue on the hoses, the radiator, or around the water pump. A water pump leaking from its weep hole, a split radiator hose, a cracked plastic radiator tank, and a leaking heater core are all common; a heater core leak shows up as a sweet smell in the cabin, a damp passenger footwell, or a greasy film on the inside of the windshield. Other causes are an electric cooling fan that does not run (the car overheats in traffic but is fine on the highway), a thermostat stuck closed, a clogged radiator, a slipping or broken belt, and a failed head gasket (white, sweet-smelling exhaust smoke, bubbles in the reservoir, unexplained coolant loss, or milky residue under the oil cap).

A technician pressure-tests the cooling system to find leaks, checks the fan operation, and uses a combustion gas (block) test to check for a head gasket leak. A cooling system also has to be bled of air after a repair, because trapped air pockets can cause repeat overheating.

What you can safely check when the engine is cold: the coolant level in the reservoir (between MIN and MAX), and the condition of the hoses, which should feel firm rather than soft, swollen or cracked. Top up only with the coolant type specified in the owner's manual, or with distilled water in an emergency. Typical costs: a hose $150 to $300, thermostat $150 to $450, radiator $400 to $1,000, water pump $400 to $900 (more when it is driven by the timing belt), head gasket $1,500 to $3,500.$kb$,
'cooling', NULL, ARRAY['overheating','coolant leak','radiator','water pump','head gasket','temperature gauge'])
ON CONFLICT (id) DO NOTHING;

-- 22 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000022',
'Oil change intervals and the red oil pressure warning light',
$kb$Engine oil lubricates, cools and cleans the engine, and it breaks down with heat, time and contamination. Modern engines running full-synthetic oil typically have change intervals between 5,000 and 10,000 miles (8,000 to 16,000 km), and many cars now have an oil life monitor that calculates the interval from how the car is actually driven. Follow the owner's manual or the oil life monitor, and change the oil at least once a year even if the mileage is low. Use the severe service schedule, often about half the normal interval, if you mostly make short trips in cold weather, tow, drive on dusty roads or idle for long periods. Always use the viscosity grade and specification given in the manual or on the oil filler cap, for example 0W-20 meeting API SP and ILSAC GF-6, or a manufacturer approval such as dexos1.

Check the oil level yourself once a month and before long trips: park on level ground, wait a few minutes after switching off, pull the dipstick, wipe it, push it fully back in, and read the level between the two marks. Many engines consume some oil between changes, and running low is one of the most common causes of avoidable engine damage. Some newer cars have no dipstick and show the oil level in an instrument cluster menu instead.

The red oil pressure warning light, shaped like an old-fashioned oil can, is different from the oil change reminder or a yellow low oil level message. A red oil pressure light means the engine is not getting enough oil pressure right now. If it came on while you were driving, pull over safely and switch the engine off as soon as possible, because a few minutes of running without oil pressure can destroy the bearings. Then check the level. If the oil is very low, topping it up may solve the immediate problem, but find out why it was low. If the level is correct and the light stays on, do not drive; have the car towed.

Causes of low oil pressure include a low oil level, a failed oil pressure sensor or switch (a common and cheap fault, but it must be confirmed with a mechanical gauge), the wrong oil viscosity, a clogged oil pickup screen from sludge, and a worn oil pump or worn engine bearings. A light that flickers at hot idle and goes out when you rev often means low oil or a worn engine. Typical costs: synthetic oil change $60 to $120, oil pressure sensor $100 to $250.$kb$,
'maintenance', NULL, ARRAY['oil change','oil pressure light','oil level','synthetic oil','oil life monitor'])
ON CONFLICT (id) DO NOTHING;

-- 23 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000023',
'Transmission slipping or harsh shifting and ATF service (Ford F-150 6R80 / 10R80)',
$kb$Signs of automatic transmission trouble include engine rpm flaring up without the vehicle speeding up (slipping), a delay or clunk when you select Drive or Reverse, harsh or abrupt shifts, shifts that happen too early or too late, a burning smell, and red or brown fluid under the vehicle. Automatic transmission fluid (ATF) is both the hydraulic medium that applies the clutches and the lubricant, so fluid that is low, degraded or the wrong type is behind many shift complaints.

The 2015 to 2020 Ford F-150 used two automatic transmissions: the 6R80 six-speed (all 2015 and 2016 trucks, and the base V6 in later years) and the 10R80 ten-speed (introduced in 2017 with the 3.5L EcoBoost and used with most engines from 2018). The 10R80 has drawn many complaints about harsh or clunky shifts, especially hard downshifts when coming to a stop and occasional abrupt engagement, and Ford has released several software updates and service bulletins addressing shift quality. Both transmissions use adaptive learning: the control module adjusts clutch pressures as parts wear. After a battery disconnection, a software update or a repair, shifts can feel rough until the adaptive values relearn, and a dealer can reset and relearn them with a scan tool.

Neither transmission has a conventional under-hood dipstick. The level is checked at the transmission at a specified fluid temperature with the truck level, usually on a lift, so it is a shop job. The 6R80 uses Mercon LV and the 10R80 uses Mercon ULV, and the two must not be mixed up. Ford's normal maintenance schedule calls for fluid replacement at about 150,000 miles, but trucks that tow, plow or carry heavy loads fall under the severe-duty schedule and need it much sooner; check the owner's manual for your truck's interval.

A technician will read the transmission codes (P0700 plus the specific code stored in the transmission module), check for software updates for your VIN, inspect the fluid level and condition, and look for leaks at the cooler lines and pan. What you can do: note when the problem happens (cold or warm, upshift or downshift, which gear), because that speeds up diagnosis, and do not tow with a transmission that is slipping. Typical costs: software update and relearn $0 to $200 (often covered by warranty), fluid service $250 to $450, valve body or solenoid repair $800 to $1,800, and a replacement transmission $3,500 to $6,500.$kb$,
'transmission', 'Ford F-150 2015-2020', ARRAY['transmission slipping','harsh shift','atf','10r80','6r80','f-150'])
ON CONFLICT (id) DO NOTHING;

-- 24 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000024',
'CVT shudder, judder and whining (Nissan Rogue 2014-2020)',
$kb$A continuously variable transmission (CVT) uses a steel belt running between two variable-diameter pulleys instead of fixed gears, so the engine can stay at its most efficient speed. The 2014 to 2020 Nissan Rogue uses a Jatco-built CVT, and the most common complaint is shudder or judder: a vibration like driving over rumble strips, felt mostly when accelerating gently between about 20 and 40 mph. Other symptoms include a whining or droning noise that rises with speed, hesitation or a rubber-band feel when accelerating, rpm flare, and in more serious cases a warning light and a reduced-power limp mode. Nissan uses code P17F0 for CVT judder, with related codes such as P17F1 on some models.

Shudder usually originates in the torque converter lock-up clutch, or in fluid that has degraded and no longer provides the right friction characteristics. Belt and pulley wear, valve body problems and overheating cause whine, slipping and eventually failure. CVTs are very sensitive to fluid condition and type: these units require genuine Nissan NS-3 CVT fluid, and a generic universal CVT fluid can cause shudder and damage.

Nissan has issued software reprogramming for judder on several models, and has extended CVT warranty coverage on some model years through service campaigns and settlements. Before paying for any repair, ask a Nissan dealer to run your VIN for open campaigns, bulletins and extended coverage. A technician will check for stored codes, road test the car to reproduce the shudder, read the CVT fluid deterioration counter with a Nissan scan tool, inspect the fluid, and update the transmission software if needed. A fluid replacement sometimes cures mild shudder; persistent judder or a loud whine often means the transmission has to be replaced.

What you can do: note the speed and throttle position at which it happens, avoid hard acceleration and heavy towing, and take overheating warnings seriously; if a CVT warning appears after a long climb, stop and let the car idle in Park to cool down. Many technicians recommend changing CVT fluid every 30,000 to 60,000 miles rather than treating it as lifetime fluid. Typical costs: software update $0 to $200, fluid change $150 to $300, and a replacement CVT $3,500 to $5,000 installed if it is not covered.$kb$,
'transmission', 'Nissan Rogue 2014-2020 (CVT)', ARRAY['cvt','shudder','judder','p17f0','cvt fluid','nissan','rogue'])
ON CONFLICT (id) DO NOTHING;

-- 25 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000025',
'Air conditioning blowing warm air (Honda Civic 2016-2021)',
$kb$When the air conditioning blows warm or only slightly cool air, the cause is usually one of four things: too little refrigerant because of a leak, a compressor that is not engaging or has failed, too little airflow across the condenser, or a fault in the dashboard controls that mixes in hot air. On 2016 to 2021 Honda Civics, leaking condensers are a well-known complaint. The condenser sits at the very front of the car, behind the grille and ahead of the radiator, where stones and road debris can hit it, and many owners have needed one within the first few years. Ask a Honda dealer to check your VIN for service bulletins or extended coverage before you pay for the repair.

Clues help narrow it down. If the air is cold on the highway but warm at idle or in traffic, the radiator cooling fan may not be running. If the air started cold and has slowly grown warmer over weeks or months, a slow refrigerant leak is likely. If one side of the cabin is cold and the other warm, or you hear clicking behind the dashboard, a blend door actuator may be failing. Weak airflow from the vents, even if the air is cold, usually means a clogged cabin air filter, which on the Civic sits behind the glove box and is easy to check.

A technician checks whether the compressor clutch engages, measures the high-side and low-side pressures, and looks for leaks with UV dye or an electronic leak detector; a condenser leak often shows as an oily patch or dye trace on the condenser face. The correct repair is to fix the leak, evacuate the system with a vacuum pump to remove air and moisture, and recharge it with the exact weight of refrigerant listed on the under-hood label. Depending on the model year and market, these cars use either R-134a or the newer and more expensive R-1234yf refrigerant.

What you can safely do: replace the cabin air filter if it is dirty, and with the AC on and the engine running, look through the grille to see whether the cooling fan is spinning. Avoid DIY recharge cans containing stop-leak sealer, because sealer can clog the system and contaminate a shop's recovery machine, and many shops charge extra to work on a contaminated system. Typical costs: leak test and recharge $150 to $350, condenser replacement $500 to $1,000, compressor $1,000 to $2,000.$kb$,
'hvac', 'Honda Civic 2016-2021', ARRAY['ac','air conditioning','warm air','refrigerant','condenser','civic'])
ON CONFLICT (id) DO NOTHING;

-- 26 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000026',
'Power steering whine, groan or heavy steering',
$kb$Noise when you turn the steering wheel usually comes from the power steering system, and what it means depends on whether your vehicle has hydraulic or electric power steering. Most cars built in the last decade use electric power steering (EPS), with an electric motor on the steering column or rack and no fluid at all. Many trucks, SUVs and older cars still use a hydraulic pump driven by the engine's belt, with a fluid reservoir under the hood.

On hydraulic systems, a whine that rises with engine speed and gets louder when you turn is the classic sign of low fluid or a failing pump. A groan at full lock is partly normal, because the pump is working against its relief valve, but it is louder when the fluid is low, and you should avoid holding the wheel against the stop. A squeal when turning, especially at low speed or on cold mornings, is often the drive belt slipping as the pump loads up. Foamy or bubbly fluid means air is being drawn into the system, usually through a leaking hose or loose clamp on the suction side. Steering that is stiff when cold, or that goes heavy and light as you turn, points to a worn pump or internal wear in the steering rack.

On electric systems there is no fluid to check. A warning light together with suddenly heavy steering means the EPS has shut down, often because of low battery voltage, a sensor fault or a motor problem; the car can still be steered, but with much more effort. Clunks or knocks felt through the wheel, on both electric and hydraulic systems, often come from a worn intermediate shaft, tie rod ends or rack mounting bushings.

What you can safely check on a hydraulic system: with the engine off, read the fluid level on the reservoir dipstick or its side markings, which may have separate hot and cold marks. Top up only with the fluid specified in the owner's manual or on the cap; some systems use ATF, others need a dedicated power steering fluid, and the wrong type can damage the seals. Look for wet, oily hoses and drips near the front wheels; if the level keeps dropping, there is a leak. Typical costs: pressure or return hose $150 to $400, pump $400 to $800, hydraulic steering rack $800 to $2,000, and an electric rack or column motor $1,000 to $2,500.$kb$,
'suspension', NULL, ARRAY['power steering','steering noise','whine','power steering fluid','eps','heavy steering'])
ON CONFLICT (id) DO NOTHING;

-- 27 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000027',
'Serpentine belt squeal or chirp and the belt tensioner',
$kb$The serpentine belt, also called the drive belt or accessory belt, is a single long ribbed belt that drives the alternator, the air conditioning compressor, the power steering pump on hydraulic systems and, on many engines, the water pump. A spring-loaded automatic tensioner keeps it tight. A loud squeal at a cold start on a chilly morning, when you switch on the air conditioning, or when you turn the steering wheel sharply usually means the belt is slipping on a pulley. A rhythmic chirp at idle more often means a pulley is slightly out of line. A rumbling, grinding or growling noise that has nothing to do with belt grip usually comes from a worn bearing in the tensioner, an idler pulley, the alternator or the water pump.

Modern belts are made of EPDM rubber and rarely show cracks even when they are worn out; instead the ribs lose material and the belt rides deeper in the pulley grooves, which lets it slip. A shop can check this with a simple belt wear gauge. Other causes of squeal are a weak tensioner spring (if the tensioner arm bounces or shakes at idle, it is worn), oil or coolant contaminating the belt, and a stretched or incorrect belt. Most belts last roughly 60,000 to 100,000 miles, and on higher-mileage engines it is common practice to replace the tensioner and idler pulleys together with the belt.

A quick diagnostic trick technicians use: with the engine idling, lightly spray water on the ribbed side of the belt. If the noise stops for a moment, the problem is usually pulley misalignment; if it gets louder, the belt is slipping because of low tension or wear. Do not use belt dressing sprays, because they hide the symptom and attract dirt.

What you can safely do with the engine off: look at the belt for a glazed, shiny surface, missing chunks, frayed edges and fluid contamination, and note whether the noise is worse with the AC on. Never reach near the belt with the engine running. If the belt breaks, the battery light will come on, the steering may become heavy and the engine may overheat if the water pump is belt-driven, so stop driving. Typical costs: belt replacement $100 to $200, tensioner $200 to $400, idler pulley $120 to $250.$kb$,
'maintenance', NULL, ARRAY['serpentine belt','belt squeal','chirp','tensioner','idler pulley'])
ON CONFLICT (id) DO NOTHING;

-- 28 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000028',
'Clunking or knocking noise over bumps (suspension)',
$kb$If you hear a clunk, knock or rattle when going over bumps, potholes or speed bumps, the cause is usually a worn or loose suspension or steering component. Suspension parts are joined by rubber bushings and ball-and-socket joints, and as these wear, metal parts can knock against each other. Some of these noises are merely annoying, but others point to wear in the parts that hold the wheels in place, so they should be inspected rather than ignored.

The most common cause is worn sway bar (stabilizer bar) end links or sway bar bushings, which produce a light clunk or rattle over small bumps and broken pavement, often at low speed. Worn strut mounts or strut bearings cause a clunk or creak over bumps and sometimes when turning the steering wheel while parked. Ball joints connect the control arms to the steering knuckle; a worn ball joint clunks over bumps and can eventually separate, causing a loss of control, which makes it a safety item. Worn control arm bushings cause clunks when braking or accelerating and a vague feel to the handling. Worn tie rod ends cause clunks and loose steering. Worn-out shocks and struts let the car bounce and bottom out, causing a thump on large bumps. Not every noise is the suspension: loose exhaust heat shields rattle, and loose items in the trunk or spare tire well are a surprisingly common cause.

A technician road tests the car to reproduce the noise, then inspects the suspension on a lift. Ball joints and tie rods are checked for play by rocking the wheel at the 12 and 6 o'clock and the 3 and 9 o'clock positions, bushings and links are checked with a pry bar, and shocks are checked for oil leaks. For elusive noises, electronic listening devices clipped to suspect parts can pinpoint the source during a drive.

What you can safely check: empty the trunk and make sure the spare tire and jack are secure, push down firmly on each corner of the car (it should rebound once and settle, not keep bouncing), and note exactly when the noise happens: small bumps, big bumps, turning, or braking. Typical costs: sway bar links $150 to $300 per pair, a ball joint $250 to $500 each, a control arm $250 to $600 each, struts $600 to $1,200 per axle; an alignment is usually needed after steering or strut work.$kb$,
'suspension', NULL, ARRAY['clunk','suspension noise','sway bar link','ball joint','strut mount','bumps'])
ON CONFLICT (id) DO NOTHING;

-- 29 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000029',
'Humming or growling noise that gets louder with speed: wheel bearing',
$kb$A worn wheel bearing typically makes a humming, droning or growling noise that starts faint and gets louder over weeks or months. It rises with road speed rather than engine speed, so it stays the same whether you rev the engine or change gear, and it is often most noticeable between 30 and 60 mph. Many people first mistake it for tire noise. In advanced cases you may feel a vibration through the steering wheel or floor, notice play in the steering, or see the ABS light come on, because many modern hub bearings carry the ring that the ABS wheel speed sensor reads.

A useful clue is how the noise changes when you turn. Gently weaving on an empty road shifts the car's weight from side to side, and a bad bearing usually gets louder when it is loaded. If the hum gets louder when turning right, the weight moves onto the left side, so the left bearing is the likely suspect, and the reverse for a left turn. This is not foolproof, because noise travels through the body, so a technician will confirm it.

Tire noise is the thing most often confused with a bearing. Cupped or unevenly worn tires, aggressive all-terrain tread and winter tires all hum, but tire noise usually changes when you drive onto a different road surface, and it may move after the tires are rotated. A technician checks for play by rocking the raised wheel at the 12 and 6 o'clock positions, spins the wheel by hand to feel for roughness, and may clip electronic chassis microphones to each hub during a road test. Bearings fail from age and mileage, water getting past the seals, pothole and curb impacts, and poor installation, such as hammering on the hub or running the axle nut on with an impact gun.

What to do: a humming bearing is not an emergency, but it should not be ignored. As it wears, heat and play increase, and a badly failed bearing can damage the hub and, in extreme cases, let the wheel wobble or even separate. Most modern vehicles use a bolt-on hub assembly, which costs roughly $250 to $600 per wheel installed; pressed-in bearings take more labour. Replacing bearings in pairs is not required, but the other side often wears out soon after.$kb$,
'suspension', NULL, ARRAY['wheel bearing','humming noise','growling noise','hub assembly','road noise'])
ON CONFLICT (id) DO NOTHING;

-- 30 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000030',
'Hybrid vehicles: the 12V auxiliary battery vs. the high-voltage hybrid battery',
$kb$Hybrid vehicles have two separate batteries, and they are often confused. The large high-voltage (HV) battery, typically 200 to 400 volts or more, powers the electric drive motor and is charged by the engine and by regenerative braking. A small 12-volt auxiliary battery, often located in the trunk or under a rear seat on hybrids such as the Toyota Prius, powers the lights, locks and, importantly, the computers that switch the hybrid system on. If the 12V battery is weak, the car will not go to READY even though the hybrid battery is perfectly healthy. Signs of a weak 12V battery include a dark or flickering dashboard, doors that will not unlock with the remote, many warning lights appearing at once, and a car that won't start after sitting for a few days.

A hybrid's 12V auxiliary battery typically lasts four to six years. Because it never has to crank an engine, it can deteriorate without any slow-cranking warning and then fail suddenly. Most hybrids can be jump-started like a normal car, using the 12V battery or a dedicated jump terminal in the under-hood fuse box; the owner's manual shows the correct connection points. Do not use a hybrid to jump-start another vehicle unless the manual says it is allowed, and replace the 12V battery with the correct type for that car, which is often an AGM battery.

The high-voltage battery is designed to last many years and carries a long warranty, commonly 8 years or 100,000 miles, and 10 years or 150,000 miles on many hybrids sold in California and the states that follow its rules; check your warranty booklet. Signs of HV battery wear include noticeably lower fuel economy, the engine running more often, a charge display that swings quickly between full and empty, and a Check Hybrid System warning with codes such as P0A80 (replace hybrid battery pack) on Toyota models. Many hybrid batteries are cooled by a fan that draws cabin air through a vent near the rear seat; if that vent is blocked by pet hair, bags or dust, the battery runs hot and ages faster, so keep it clear.

Safety: high-voltage cables are bright orange. Never cut, touch or probe them, and never open the hybrid battery case; diagnosis belongs with a technician trained in hybrid systems. Typical costs: 12V AGM battery $180 to $350; new hybrid battery $2,000 to $4,500 installed, with reconditioned packs available for less.$kb$,
'ev-hybrid', NULL, ARRAY['hybrid','12v battery','hybrid battery','high voltage','p0a80','prius'])
ON CONFLICT (id) DO NOTHING;

-- 31 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000031',
'EV won''t start charging: charge port light, settings and home outlets (Tesla Model 3 2018-2023)',
$kb$When a Tesla Model 3 is plugged in but does not start charging, the charge port light and the message on the touchscreen or in the app are the fastest clues. A pulsing green light means it is charging, and solid green means charging is complete. Solid blue usually means the car has detected the connector, and blinking blue means it is communicating with the charger or waiting for a scheduled start time. Amber means the connector is not fully inserted: push it straight in until it latches, and the light should change. A red light means a fault has been detected, and the touchscreen will show a specific alert.

Many cases of a car that will not charge are settings rather than faults. Check whether Scheduled Charging or Scheduled Departure is set, which makes the car wait for off-peak hours, and check the charge limit, because the car will not start charging if the battery is already at that limit. Also check the charging current on the charging screen; if it was turned down to a very low value, charging can look stalled. In cold weather the battery must warm up before it can accept much power, especially at a Supercharger; navigating to the Supercharger, or preconditioning the battery from the app, warms it on the way.

At home, common problems are a tripped circuit breaker or GFCI, a Wall Connector that needs a reset, a Mobile Connector adapter that has overheated, and worn or poor-quality 240V outlets. A car that keeps reducing its charging current or stops with a message about the wall power may be detecting voltage fluctuations or heat, so turn the current down and have an electrician inspect the outlet; a scorched or discoloured outlet or plug is a fire hazard. Do not use ordinary extension cords. At a Supercharger, if a stall will not start, move to another stall before assuming the car has a problem.

If the car will not charge anywhere, try a soft reset (hold both steering wheel scroll buttons until the screen goes black and reboots), check the charge port for debris or bent pins, and confirm that the charge port latch engages. Persistent alerts such as unable to charge can point to an on-board charger or charge port fault; book service through the Tesla app, which can often diagnose remotely. Most home charging problems cost little to fix: an electrician replacing an outlet typically charges $150 to $400, and charge port or on-board charger repairs are often covered by the 4-year or 50,000-mile basic warranty.$kb$,
'ev-hybrid', 'Tesla Model 3 2018-2023', ARRAY['ev charging','tesla','model 3','charge port','supercharger','wall connector'])
ON CONFLICT (id) DO NOTHING;

-- 32 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000032',
'Diesel particulate filter (DPF) warning light and regeneration (VW Golf TDI 2010-2015)',
$kb$Diesel engines produce soot, and modern diesel cars have a diesel particulate filter (DPF) in the exhaust to trap it. The filter has to be emptied periodically by burning the soot off, a process called regeneration. Passive regeneration happens naturally during sustained highway driving, when the exhaust is hot enough. Active regeneration is started by the engine computer when the soot load builds up: it injects extra fuel late in the combustion cycle to raise exhaust temperature to around 600 degrees C and burn the soot to ash. During an active regeneration you may notice a slightly higher idle, the radiator fan running after you switch off, a hot smell, and a temporary drop in fuel economy. Try not to switch off in the middle of one.

Regeneration needs time at a steady speed. If the car is used mostly for short trips, regenerations keep being interrupted, the filter loads up, and the DPF warning light comes on. On the Golf TDI, the owner's manual advice when the DPF light appears is to drive for about 15 minutes at a steady 60 km/h (about 40 mph) or more in fourth or fifth gear (or S on a DSG gearbox), keeping the engine at around 2,000 rpm, so the system can regenerate. If the light goes out, the problem is solved. If it stays on, or the glow plug light starts flashing and the engine goes into reduced power, stop trying and have it seen by a shop: a dealer can run a forced service regeneration with a scan tool, and a severely blocked filter may need cleaning or replacement.

Related faults include a failed DPF differential pressure sensor or its cracked hoses (codes such as P2453), which make the computer misjudge the soot load, and P2002 for filter efficiency. Use only oil meeting VW 507.00, a low-ash specification required for engines with a DPF; oil with higher ash content clogs the filter with ash that regeneration cannot burn off. Frequent regenerations can also dilute the engine oil with fuel, so watch the level and change it on time.

US-market 2010 to 2015 Golf TDIs were part of the Volkswagen diesel emissions settlement, and most have received the approved emissions modification, which changed the engine software (and added hardware on some earlier engines) and came with an extended emissions warranty on covered parts, so check with a VW dealer. The 2015 model also uses AdBlue diesel exhaust fluid, which must be kept topped up. Typical costs: forced regeneration $150 to $300, pressure sensor $150 to $400, DPF cleaning $400 to $900, replacement filter $1,500 to $3,000.$kb$,
'emissions', 'Volkswagen Golf TDI 2010-2015', ARRAY['dpf','diesel particulate filter','regeneration','tdi','diesel','p2453'])
ON CONFLICT (id) DO NOTHING;

-- 33 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000033',
'Windshield wipers streaking, washer fluid not spraying and foggy windows',
$kb$Good visibility depends on clean glass, healthy wiper blades and working washers and defrosters. Wiper blades are rubber and deteriorate from sun, heat, ice and road grime; most last six to twelve months. Replace them when they streak, leave a haze, skip or chatter across the glass, or squeak, and ideally before winter. Buy blades by the sizes listed in the owner's manual or a parts catalogue, since the driver and passenger blades are often different lengths, and remember the rear wiper if your car has one.

Not every wiper problem is the blade. Chatter can also come from wax, rain-repellent coatings or road film on the glass, or from a wiper arm that has been bent so the blade no longer meets the glass at the right angle. Clean the windshield thoroughly with glass cleaner, then wipe each blade edge with a damp cloth. If the wipers stop in a random position, move more slowly than normal or stop altogether, the wiper motor, linkage or a fuse may have failed; wipers that work on some speeds but not others usually point to a switch or motor fault. A loose nut at the base of a wiper arm can make that arm lag behind or stop while the motor keeps running.

If no washer fluid sprays, listen for the pump humming when you pull the lever. A hum with no spray means frozen fluid, a clogged nozzle (carefully clear it with a pin) or a disconnected hose; no sound at all means a failed pump, fuse or wiring. In cold climates use a winter washer fluid rated well below freezing, because water or summer fluid freezes in the reservoir and lines and can crack them.

Windows that fog up inside clear fastest with the defroster on, the air conditioning on, fresh-air mode rather than recirculation, and the temperature turned up, because the AC dries the air. Persistent fogging, a greasy film on the inside of the glass and a sweet smell suggest a leaking heater core and should be checked. Chips in the windshield can often be repaired if they are smaller than a coin and outside the driver's direct line of sight, before they spread into cracks. Vehicles with lane-keeping or automatic emergency braking cameras behind the windshield need a camera recalibration after a windshield replacement. Typical costs: wiper blades $20 to $60 a pair, wiper motor $200 to $450, chip repair $50 to $100, windshield with camera calibration $400 to $1,500.$kb$,
'maintenance', NULL, ARRAY['wipers','windshield','washer fluid','defog','visibility'])
ON CONFLICT (id) DO NOTHING;

-- 34 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000034',
'Dim headlights, burnt-out bulbs and headlight aiming',
$kb$Headlights deteriorate slowly, so many drivers do not notice how poor their night vision has become. The most common causes of dim headlights are yellowed, cloudy plastic lenses and aging bulbs. Modern headlight lenses are polycarbonate with a UV-resistant coating; once that coating breaks down, the lens yellows and scatters the light. A restoration kit (wet sanding, polishing and a fresh UV sealant coat) or a professional restoration brings back most of the output, but without the sealant the haze returns within months. Halogen bulbs also lose brightness over their life, so replace them in pairs even if only one has burnt out.

When replacing a halogen bulb, do not touch the glass with bare fingers, because skin oils create hot spots that shorten the bulb's life. Use the exact bulb type listed in the owner's manual, for example H11 or 9005. If a bulb keeps failing, or a headlight flickers, check for a corroded connector, a melted plug or a poor ground. HID (xenon) headlights that flicker, turn pinkish or purple, or go out after a few minutes usually have a failing bulb or ballast; HID systems use very high voltage, so leave that work to a shop. LED headlamps are usually replaced as a complete assembly when they fail. Be cautious with aftermarket LED or HID conversion bulbs in housings designed for halogen bulbs: many scatter light into oncoming drivers' eyes and are not legal for road use.

Aim matters as much as brightness. Headlights can be knocked out of alignment by a collision, suspension work or the replacement of a headlight assembly, and a heavily loaded trunk tilts them upward. A quick check: park on level ground about 25 feet (7.5 m) from a wall with normal tire pressures and a typical load, switch on the low beams, and look at where the sharp cut-off line of each beam falls. It should be at or slightly below the height of the headlight centers, typically about 2 inches (5 cm) lower at that distance, and the two beams should be level with each other. If one side sits higher or both are far off, the adjusting screws on the back of each headlight housing can be turned, or a shop can aim them with an optical aimer.

Typical costs: halogen bulbs $15 to $40 each, lens restoration $80 to $150 for the pair, an HID bulb $80 to $200, and a complete LED headlight assembly $400 to $1,500 or more.$kb$,
'electrical', NULL, ARRAY['headlights','headlight bulb','headlight aim','dim headlights','lens restoration'])
ON CONFLICT (id) DO NOTHING;

-- 35 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000035',
'Spark plugs and ignition coils: replacement and misfire diagnosis (Toyota Camry 2012-2017)',
$kb$The 2012 to 2017 Toyota Camry was sold mainly with the 2.5-litre four-cylinder (2AR-FE) and the 3.5-litre V6 (2GR-FE). Both use long-life iridium spark plugs that Toyota schedules to be changed at 120,000 miles, and both use coil-on-plug ignition, with an individual ignition coil sitting directly on top of each plug. There is no distributor and there are no plug wires, so a misfire can usually be traced to one cylinder's coil, plug or injector.

Worn plugs and failing coils show up as a rough idle, a stumble when accelerating (especially uphill or with the air conditioning on), lower fuel economy, hard starting in damp weather, and a check engine light with misfire codes: P0300 for random misfires, or P0301 to P0306 for a specific cylinder. A flashing check engine light means the misfire is bad enough to damage the catalytic converter, so drive gently and have it checked promptly. Coils fail more often when plugs are badly worn, because the coil has to produce a higher voltage to jump the wider gap.

The standard test is to swap the coil from the misfiring cylinder with a neighbouring one, clear the codes, and see whether the misfire moves. If it follows the coil, replace that coil. If it stays put, pull the plug and inspect it: a worn fine-wire iridium tip, a cracked porcelain insulator, carbon tracking, or oil on the threads or in the plug well (a sign of a leaking valve cover or tube seal) all need attention. The plugs come pre-gapped at about 1.1 mm (0.043 in); do not pry on the fine iridium centre electrode to regap them. Fit plugs only in a cool engine and tighten them with a torque wrench to Toyota's specification, because the cylinder heads are aluminium and overtightening strips the threads.

What you can safely do: if you are comfortable with basic tools, the four-cylinder's plugs and coils are easy to reach under the plastic engine cover. On the V6, the three rear plugs require removing the upper intake plenum, which is best left to a shop. Use iridium plugs of the type listed for your engine (Denso or NGK are the usual original brands). Typical costs: four-cylinder plug replacement $150 to $300, V6 $350 to $650, and an ignition coil $80 to $200 each plus a small labour charge.$kb$,
'engine', 'Toyota Camry 2012-2017', ARRAY['spark plugs','ignition coil','misfire','coil-on-plug','camry','2ar-fe'])
ON CONFLICT (id) DO NOTHING;

-- 36 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000036',
'Fuel pump failure: no-start, sputtering and loss of power under load',
$kb$The electric fuel pump sits inside the fuel tank, usually as part of a module that also holds the fuel level sender and a strainer, and it supplies pressurised fuel to the engine whenever the engine runs. Many newer direct-injection (GDI) engines also have a second, high-pressure pump driven by the camshaft, which raises the pressure to the very high levels direct injection needs. When either pump weakens, the engine is starved of fuel.

Symptoms of a failing in-tank pump include an engine that cranks normally but won't start, sputtering or surging at highway speed, loss of power under load such as climbing hills or accelerating to merge, stalling when hot that clears after the car cools down, and a louder-than-usual whine from the rear of the car. Lean codes (P0171, P0174) or a low fuel pressure code (P0087 on many vehicles) may be stored. A failing high-pressure pump on a GDI engine often causes long cranking, rough running, and P0087 or P0191 rail pressure codes.

Fuel pumps wear out with age and heat, and regularly running the tank nearly empty shortens their life, because the surrounding fuel cools the pump. Contaminated fuel, rust from the tank, a clogged strainer and voltage problems (a corroded connector, a weak relay or a bad ground) also cause failures. Before condemning the pump, a technician connects a fuel pressure gauge, tests pressure and volume, and checks the voltage and ground at the pump connector with the pump running, because a healthy pump that receives low voltage behaves exactly like a bad one. The fuse and pump relay are checked as well.

What you can safely check: make sure there really is fuel in the tank, since fuel gauges can fail. Turn the key to ON without starting, or press the start button twice without your foot on the brake, and listen: on most cars you should hear a two-second hum from the rear as the pump primes the system. No hum can mean a failed pump, fuse or relay. Some older Fords have an inertia switch that cuts the pump after a jolt and has a reset button. If you smell fuel, do not start the car. Typical costs: in-tank pump module $500 to $1,200 installed, high-pressure pump on GDI engines $800 to $2,000. Keeping at least a quarter tank helps the pump last.$kb$,
'engine', NULL, ARRAY['fuel pump','p0087','no start','sputtering','fuel pressure','loss of power'])
ON CONFLICT (id) DO NOTHING;

-- 37 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000037',
'Starter motor problems: single click, grinding or no crank',
$kb$The starter is a powerful electric motor that turns the engine over until it fires. When you turn the key or press the start button, a solenoid on the starter pushes a small gear (the pinion) into the teeth of the engine's flywheel or flexplate and closes a heavy-duty contact that sends battery current to the motor. When the starter or its circuit fails, the symptoms differ from those of a flat battery. A single loud click with no cranking, while the dash and headlights stay bright, usually means the starter solenoid or motor has failed, or the heavy cable to it is loose or corroded. A grinding noise while starting means the pinion is not engaging the flywheel properly, which can damage the flywheel teeth. A whirring sound without the engine turning means the starter is spinning without engaging. Intermittent no-cranks, where it works on the third try, are a classic sign of worn solenoid contacts.

Rule out the battery first, because a weak battery is far more common. If the headlights dim sharply or you hear rapid clicking, suspect the battery. If the lights stay bright and you get one click or nothing at all, suspect the starter or its control circuit. Other things that stop an engine from cranking are the transmission range switch (try starting in Neutral), the clutch pedal switch on manual cars, a blown starter fuse or relay, and the immobiliser: if a key or security light flashes on the dash, the car may not be recognising the key. With push-button start, a dead key fob battery can cause a no-start; most cars let you start by holding the fob against the start button or placing it in a marked spot.

A technician measures battery voltage during cranking, does a voltage drop test on the positive and ground cables, checks the control signal at the solenoid, and measures the starter's current draw. Tapping the starter while someone turns the key can sometimes get a stranded car going by freeing worn contacts, but it is a temporary fix, and it should only be done with the car in Park with the parking brake set, well away from moving parts.

Typical costs: starter replacement $300 to $800 installed, with more labour on engines where the starter sits under the intake manifold; cleaning and tightening a corroded cable costs far less, which is why testing comes first.$kb$,
'electrical', NULL, ARRAY['starter','single click','no crank','grinding','starter solenoid'])
ON CONFLICT (id) DO NOTHING;

-- 38 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000038',
'Timing belt replacement interval and interference engines',
$kb$The timing belt is a toothed rubber belt that keeps the camshafts synchronised with the crankshaft, so the valves open and close at exactly the right moments relative to the pistons. Unlike the serpentine belt, it is hidden behind covers and usually gives no warning before it fails. Many engines use a metal timing chain instead, which is designed to last the life of the engine. Your owner's manual or maintenance schedule tells you which your engine has and, if it is a belt, when to replace it.

Timing belt intervals typically range from 60,000 to 105,000 miles, and most manufacturers also set an age limit, often seven to ten years, because rubber deteriorates even when a car is rarely driven. Replacing the belt on time matters most on interference engines, where the valves and pistons occupy the same space at different moments. If the belt breaks or jumps teeth on an interference engine, the pistons strike the open valves, bending valves and sometimes damaging the pistons and cylinder head, a repair that can cost several thousand dollars or more than the car is worth. On a non-interference engine a broken belt simply stops the engine, but it still leaves you stranded.

A timing belt job involves removing the belt covers and often an engine mount and accessory drive parts, so it makes sense to replace related parts while everything is apart: the tensioner, the idler pulleys, the camshaft and crankshaft seals if they are leaking, and the water pump when it is driven by the timing belt. Oil or coolant dripping onto a belt shortens its life dramatically, so those leaks should be fixed at the same time.

What you can do: check the service records of a used car; if there is no proof the belt was replaced and the car is near or past the interval, treat it as due. Warning signs, when there are any, include a ticking or slapping noise from behind the belt covers, an engine that cranks unusually fast and will not start (a broken belt), or camshaft and crankshaft correlation codes such as P0016. Timing chains have no set interval, but a rattle on cold start or correlation codes can mean a stretched chain or worn tensioner. Typical costs: timing belt with water pump and tensioner $500 to $1,200 on four-cylinder engines and $900 to $1,800 on many V6 engines.$kb$,
'maintenance', NULL, ARRAY['timing belt','interference engine','water pump','timing chain','p0016','maintenance schedule'])
ON CONFLICT (id) DO NOTHING;

-- 39 -----------------------------------------------------------------------------------------------------
INSERT INTO knowledge_base (id, title, content, category, vehicle_context, tags) VALUES (
'b0000000-0000-4000-8000-000000000039',
'Lifter tick, misfire and low oil pressure reading on the 5.3L V8 with AFM (Chevrolet Silverado 2014-2018)',
$kb$The 2014 to 2018 Chevrolet Silverado 1500 (and its GMC Sierra twin) uses the 5.3L V8 (L83) or the 6.2L V8 (L86), both with Active Fuel Management (AFM). To save fuel at light load, AFM shuts off four cylinders by switching special hydraulic lifters so that those cylinders' valves stay closed; on these engines the deactivated cylinders are 1, 4, 6 and 7. The AFM lifters, and the oil pressure system that operates them, are the source of a well-known group of problems on these trucks.

A failing AFM lifter typically causes a ticking or tapping noise from the top of the engine that gets louder over time, followed by a misfire: rough running, a steady or flashing check engine light, and codes such as P0300 together with cylinder codes for one of the AFM cylinders (P0301, P0304, P0306 or P0307). A lifter that collapses or sticks can bend a pushrod, and a lifter whose roller stops turning will wear the camshaft lobe. Once that happens the repair means removing the cylinder heads to replace the lifters, and often the camshaft as well.

Oil pressure is central to AFM operation. A low or fluctuating reading on the oil pressure gauge, or a low oil pressure message, can be caused by a failed oil pressure sensor, a partly clogged filter screen beneath the sensor (GM has issued service information about this screen), a low oil level, the wrong oil, or a sticking AFM control valve in the lifter oil manifold under the intake. Some of these engines also use a noticeable amount of oil between changes, and a low level by itself upsets AFM operation. Treat a red oil pressure warning as an emergency and stop the engine; a gauge that drops toward zero while driving should be checked before the truck is driven further.

What you can do: check the oil level every fill-up or two, use dexos1-approved 0W-20 oil and a quality filter, and change it at or before the oil life monitor's recommendation. If you hear a new tick, have it diagnosed early, because catching a single bad lifter before it wipes out a cam lobe is much cheaper. Typical costs: oil pressure sensor and screen $200 to $400, lifter replacement on one bank $2,000 to $3,000, both banks with a camshaft $3,500 to $5,500. AFM disabler devices and tunes are sometimes suggested; they can affect emissions compliance and warranty, so discuss them with your technician first.$kb$,
'engine', 'Chevrolet Silverado 2014-2018', ARRAY['silverado','5.3l','afm','lifter tick','oil pressure','misfire','p0300'])
ON CONFLICT (id) DO NOTHING;

COMMIT;
