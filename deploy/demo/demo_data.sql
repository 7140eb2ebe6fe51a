-- TechPulse demo data: people, vehicles, tickets, work orders, chat threads and their messages.
--
-- Fixed ids so that tests and demos can refer to rows directly:
--   profiles              a0000000-0000-4000-8000-0000000000NN  (01 maria, 02 james, 11 tech.sam,
--                                                                12 tech.lee, 21 admin)
--   support_tickets       c0000000-0000-4000-8000-00000000000N  (01 -> tech.sam, 02 -> tech.lee, 03 unassigned)
--   tickets               d0000000-0000-4000-8000-00000000000N
--   conversation_threads  e0000000-0000-4000-8000-00000000000N
--   vehicles              f0000000-0000-4000-8000-00000000000N
--   work_orders           70000000-0000-4000-8000-00000000000N
--   relationships         90000000-0000-4000-8000-0000000000NN
--
-- Load into a migrated database, after knowledge_base.sql:
--   psql -v ON_ERROR_STOP=1 -f deploy/demo/demo_data.sql
-- Rows that already exist (same id) are skipped, and a thread's messages are only inserted when the thread
-- has none yet, so a second run changes nothing. chat_messages.seq and conversation_threads.last_seq are
-- left to the BEFORE INSERT trigger; messages are inserted in conversation order.

BEGIN;

-- Profiles ------------------------------------------------------------------------------------------------
INSERT INTO profiles (id, username, full_name, email, role, updated_at) VALUES
    ('a0000000-0000-4000-8000-000000000001', 'maria',    'Maria Lopez', 'maria.lopez@example.com',   'customer',   '2025-03-01 09:00:00+00'),
    ('a0000000-0000-4000-8000-000000000002', 'james',    'James Okafor', 'james.okafor@example.com', 'customer',   '2025-03-01 09:00:00+00'),
    ('a0000000-0000-4000-8000-000000000011', 'tech.sam', 'Sam Reyes',   'sam.reyes@techpulse.example', 'technician', '2025-03-01 09:00:00+00'),
    ('a0000000-0000-4000-8000-000000000012', 'tech.lee', 'Lee Chen',    'lee.chen@techpulse.example',  'technician', '2025-03-01 09:00:00+00'),
    ('a0000000-0000-4000-8000-000000000021', 'admin',    'Alex Admin',  'admin@techpulse.example',     'admin',      '2025-03-01 09:00:00+00')
ON CONFLICT (id) DO NOTHING;

-- Vehicles (ownership is recorded in relationships below) -------------------------------------------------
INSERT INTO vehicles (id, year, make, model, submodel, engine_size, cam_type, body, drive_type) VALUES
    ('f0000000-0000-4000-8000-000000000001', 2015, 'Toyota',     'Camry',   'LE',           '2.5L I4',             'DOHC', 'Sedan',     'FWD'),
    ('f0000000-0000-4000-8000-000000000002', 2019, 'Honda',      'CR-V',    'EX',           '1.5L I4 Turbo',       'DOHC', 'SUV',       'AWD'),
    ('f0000000-0000-4000-8000-000000000003', 2021, 'Tesla',      'Model 3', 'Long Range',   'Dual Motor Electric', NULL,   'Sedan',     'AWD'),
    ('f0000000-0000-4000-8000-000000000004', 2017, 'Ford',       'F-150',   'XLT SuperCrew','3.5L V6 EcoBoost',    'DOHC', 'Pickup',    '4WD'),
    ('f0000000-0000-4000-8000-000000000005', 2016, 'Nissan',     'Rogue',   'SV',           '2.5L I4',             'DOHC', 'SUV',       'AWD'),
    ('f0000000-0000-4000-8000-000000000006', 2013, 'Volkswagen', 'Golf',    'TDI',          '2.0L I4 Turbodiesel', 'DOHC', 'Hatchback', 'FWD')
ON CONFLICT (id) DO NOTHING;

-- Support tickets (phone/call-centre intake) ----------------------------------------------------------------
INSERT INTO support_tickets (id, ticket_number, customer_phone, customer_name, vehicle_info, vin, issue_summary,
                             call_transcript, ai_analysis, priority, status, assigned_technician,
                             created_at, updated_at) VALUES
(
    'c0000000-0000-4000-8000-000000000001', 'TP-10041', '+1-512-555-0141', 'Maria Lopez',
    '2015 Toyota Camry LE 2.5L', '4T1BF1FK2FU518274',
    'Shaking at idle and flashing check engine light since this morning; smoother at highway speed. About 118,000 miles, spark plugs believed original.',
    E'Agent: TechPulse service, how can I help?\nCustomer: My Camry is shaking at red lights and the check engine light is blinking.\nAgent: Is it blinking right now, or steady?\nCustomer: Blinking when I pull away, then it stays on.\nAgent: Please keep speeds low and avoid hard acceleration. Can you bring it in tomorrow morning?\nCustomer: Yes, first thing.',
    'Flashing MIL with rough idle indicates an active, catalyst-damaging misfire. On the 2AR-FE 2.5L the usual causes are a failed coil-on-plug ignition coil or worn iridium plugs (Toyota interval 120,000 mi; vehicle is at ~118,000). Recommend scan for P030x, coil swap test, plug inspection/replacement. Advise customer to limit driving until repaired. Related articles: b0000000-0000-4000-8000-000000000003, b0000000-0000-4000-8000-000000000035, b0000000-0000-4000-8000-000000000002.',
    'high', 'in_progress', 'a0000000-0000-4000-8000-000000000011',
    '2025-03-10 14:10:00+00', '2025-03-11 15:20:00+00'
),
(
    'c0000000-0000-4000-8000-000000000002', 'TP-10042', '+1-512-555-0187', 'James Okafor',
    '2017 Ford F-150 XLT 3.5L EcoBoost', '1FTEW1EG4HFA73915',
    'Harsh 3-2 and 2-1 downshifts when slowing to a stop, occasional clunk engaging Reverse; worse when warm. No warning lights.',
    E'Agent: TechPulse service, what''s going on with the truck?\nCustomer: It slams into gear when I''m coming to a stop, around ten miles an hour.\nAgent: Any slipping, flaring revs, or warning lights?\nCustomer: No lights, no slipping. Just the bang, and sometimes a clunk into reverse.\nAgent: Are you towing with it at the moment?\nCustomer: Not until it''s sorted.',
    'Symptoms match the known 10R80 10-speed shift-quality complaint (harsh coast-down shifts, harsh Reverse engagement). Check for TCM/PCM calibration updates and applicable TSBs for this VIN, reset and relearn adaptive shift tables, verify fluid level at specified temperature (Mercon ULV). If harshness persists with stored solenoid codes, evaluate main control (valve body). Related articles: b0000000-0000-4000-8000-000000000023, b0000000-0000-4000-8000-000000000010.',
    'normal', 'waiting_parts', 'a0000000-0000-4000-8000-000000000012',
    '2025-03-05 16:40:00+00', '2025-03-08 08:30:00+00'
),
(
    'c0000000-0000-4000-8000-000000000003', 'TP-10043', '+1-512-555-0187', 'James Okafor',
    '2016 Nissan Rogue SV 2.5L CVT', '5N1AT2MV8GC812406',
    'Shudder under light acceleration between about 25 and 35 mph, like driving over rumble strips. No warning lights. 96,000 miles; no record of CVT fluid service.',
    E'Agent: TechPulse service.\nCustomer: Our Rogue shakes when you accelerate gently, around 30 miles an hour.\nAgent: Does it happen when you accelerate hard, or only gently?\nCustomer: Mostly gently. If you floor it, it goes away.\nAgent: Any lights on the dash, or noises?\nCustomer: No lights. Maybe a bit of a whine.',
    'Consistent with CVT judder on the Jatco CVT used in the 2014-2020 Rogue (possible P17F0). Check Nissan campaigns/extended CVT coverage for this VIN, read CVT fluid deterioration counter, apply reprogramming if available, and consider NS-3 fluid replacement. Related article: b0000000-0000-4000-8000-000000000024.',
    'low', 'open', NULL,
    '2025-03-12 18:50:00+00', '2025-03-12 18:50:00+00'
)
ON CONFLICT (id) DO NOTHING;

-- Tickets (app-created) --------------------------------------------------------------------------------------
INSERT INTO tickets (id, title, description, status, priority, customer_id, assigned_technician_id,
                     created_at, updated_at, resolved_at, vehicle_make, vehicle_model, vehicle_year, vin) VALUES
(
    'd0000000-0000-4000-8000-000000000001',
    'DPF warning light keeps coming on with short commutes',
    'Golf TDI used for a 6-mile commute. DPF light has come on twice this month; went out once after a highway drive, now back on. No glow plug light flashing, no loss of power.',
    'in_progress', 'normal',
    'a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000011',
    '2025-03-03 08:15:00+00', '2025-03-04 11:00:00+00', NULL,
    'Volkswagen', 'Golf TDI', 2013, 'WVWDM7AJ8DW104728'
),
(
    'd0000000-0000-4000-8000-000000000002',
    'Model 3 stops charging on home 240V outlet',
    'Charging starts on the NEMA 14-50 outlet in the garage, then stops after 10-20 minutes with a message about the wall power. Supercharging works normally. Outlet is about 8 years old.',
    'open', 'low',
    'a0000000-0000-4000-8000-000000000001', NULL,
    '2025-03-15 20:05:00+00', '2025-03-15 20:05:00+00', NULL,
    'Tesla', 'Model 3', 2021, '5YJ3E1EB7MF902117'
)
ON CONFLICT (id) DO NOTHING;

-- Work orders for the support tickets (labour at $140/h) ------------------------------------------------------
INSERT INTO work_orders (id, ticket_id, work_order_number, description, estimated_hours, actual_hours,
                         parts_needed, labor_cost, parts_cost, total_cost, status, assigned_technician,
                         created_at, completed_at) VALUES
(
    '70000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'WO-5101',
    'Misfire diagnosis: scan codes (P0302, P0300), coil swap test cylinder 2 to 3, inspect spark plugs.',
    1.00, 1.00, NULL, 140.00, 0.00, 140.00, 'completed', 'a0000000-0000-4000-8000-000000000011',
    '2025-03-11 08:30:00+00', '2025-03-11 09:35:00+00'
),
(
    '70000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'WO-5102',
    'Replace cylinder 2 ignition coil and all four spark plugs (120,000-mile service); clear codes and road test.',
    1.20, NULL, 'OEM ignition coil x1; OEM-spec iridium spark plugs x4',
    168.00, 217.00, 385.00, 'in_progress', 'a0000000-0000-4000-8000-000000000011',
    '2025-03-11 09:40:00+00', NULL
),
(
    '70000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000002', 'WO-5103',
    'Install outstanding PCM/TCM calibration, reset and relearn transmission adaptive values, check ATF level at temperature.',
    1.50, 1.40, NULL, 196.00, 0.00, 196.00, 'completed', 'a0000000-0000-4000-8000-000000000012',
    '2025-03-07 08:00:00+00', '2025-03-07 10:05:00+00'
),
(
    '70000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000002', 'WO-5104',
    'Replace 10R80 main control (valve body) assembly, refill with Mercon ULV, adaptive relearn and road test.',
    4.00, NULL, 'Main control valve body assembly x1; Motorcraft Mercon ULV ATF x6 qt',
    560.00, 890.00, 1450.00, 'waiting_parts', 'a0000000-0000-4000-8000-000000000012',
    '2025-03-07 10:20:00+00', NULL
)
ON CONFLICT (id) DO NOTHING;

-- Conversation threads (last_seq is maintained by the chat_messages trigger) ---------------------------------
INSERT INTO conversation_threads (id, ticket_id, interaction_type, user_id, title, assistant_enabled,
                                  "timestamp", created_at, updated_at) VALUES
    ('e0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'chat',
     'a0000000-0000-4000-8000-000000000001', 'Camry misfire and flashing check engine light', true,
     '2025-03-10 14:02:00+00', '2025-03-10 14:02:00+00', '2025-03-11 15:20:00+00'),
    ('e0000000-0000-4000-8000-000000000002', NULL, 'chat',
     'a0000000-0000-4000-8000-000000000001', 'Tire pressure light after cold night', true,
     '2025-03-14 07:15:00+00', '2025-03-14 07:15:00+00', '2025-03-14 08:02:00+00'),
    ('e0000000-0000-4000-8000-000000000003', 'c0000000-0000-4000-8000-000000000002', 'chat',
     'a0000000-0000-4000-8000-000000000002', 'F-150 harsh downshifts when stopping', true,
     '2025-03-05 16:30:00+00', '2025-03-05 16:30:00+00', '2025-03-08 08:30:00+00'),
    ('e0000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000003', 'chat',
     'a0000000-0000-4000-8000-000000000002', 'Rogue shudders when accelerating', true,
     '2025-03-12 18:45:00+00', '2025-03-12 18:45:00+00', '2025-03-12 18:53:00+00')
ON CONFLICT (id) DO NOTHING;

-- Chat messages: one INSERT per thread, rows in conversation order, skipped if the thread already has messages.

-- Thread 01: Maria, Camry misfire (support ticket TP-10041, tech.sam)
INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata, created_at, updated_at)
SELECT 'e0000000-0000-4000-8000-000000000001', v.sender_id::uuid, v.role, v.content, v.metadata::jsonb,
       v.at::timestamptz, v.at::timestamptz
  FROM (VALUES
    ('2025-03-10 14:02:00+00', 'a0000000-0000-4000-8000-000000000001', 'user',
     'Hi, my 2015 Camry started shaking at red lights this morning and the check engine light is flashing. It smooths out a bit on the highway. Is it safe to keep driving it to work?',
     '{}'),
    ('2025-03-10 14:02:20+00', NULL, 'assistant',
     'A flashing check engine light means an active, severe misfire: unburned fuel is reaching the exhaust and can overheat the catalytic converter. Please avoid hard acceleration and highway driving, and if the shaking is strong or the light keeps flashing at gentle speeds, it is safer to park it and arrange a tow. On your 2.5L four-cylinder the most common causes are a failed ignition coil or worn spark plugs; Toyota schedules the iridium plugs at 120,000 miles. I am opening a service ticket with this conversation so a technician can follow up.',
     '{"provider":"extractive","kb_ids":["b0000000-0000-4000-8000-000000000003","b0000000-0000-4000-8000-000000000035"]}'),
    ('2025-03-10 14:05:00+00', 'a0000000-0000-4000-8000-000000000001', 'user',
     'It has about 118,000 miles and I don''t think the plugs have ever been changed. I can drop it off tomorrow morning.',
     '{}'),
    ('2025-03-11 09:41:00+00', 'a0000000-0000-4000-8000-000000000011', 'technician',
     'Hi Maria, Sam here. The scan shows P0302 and P0300. I swapped the cylinder 2 and 3 coils and the misfire moved to cylinder 3, so that coil has failed. The plugs are worn as well, so I recommend replacing all four at the same time. The estimate for the coil and plugs is $385 on the work order. OK to go ahead?',
     '{}'),
    ('2025-03-11 09:55:00+00', 'a0000000-0000-4000-8000-000000000001', 'user',
     'Yes, please go ahead with the coil and the plugs. Thanks for explaining.',
     '{}'),
    ('2025-03-11 15:20:00+00', 'a0000000-0000-4000-8000-000000000011', 'technician',
     'Parts are in and the car is on the lift now. It should be ready by 4:30 pm after a road test; I will message you here when it is done.',
     '{}')
  ) AS v(at, sender_id, role, content, metadata)
 WHERE NOT EXISTS (SELECT 1 FROM chat_messages m WHERE m.thread_id = 'e0000000-0000-4000-8000-000000000001')
 ORDER BY v.at;

-- Thread 02: Maria, TPMS light on the CR-V (no ticket)
INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata, created_at, updated_at)
SELECT 'e0000000-0000-4000-8000-000000000002', v.sender_id::uuid, v.role, v.content, v.metadata::jsonb,
       v.at::timestamptz, v.at::timestamptz
  FROM (VALUES
    ('2025-03-14 07:15:00+00', 'a0000000-0000-4000-8000-000000000001', 'user',
     'The tire pressure light came on in my CR-V after a really cold night. All four tires look fine to me. Do I need to go to a shop?',
     '{}'),
    ('2025-03-14 07:15:15+00', NULL, 'assistant',
     'A steady tire pressure light after a cold night is usually just the pressure dropping with the temperature, about 1 psi for every 10 degrees F, and a tire can look normal while being 5 psi low. Check all four with a gauge before driving far and inflate them to the pressure on the sticker in the driver''s door jamb, not the number on the tire sidewall. If the light instead flashes for about a minute at start-up and then stays on, that points to a system fault rather than low pressure.',
     '{"provider":"extractive","kb_ids":["b0000000-0000-4000-8000-000000000018"]}'),
    ('2025-03-14 07:48:00+00', 'a0000000-0000-4000-8000-000000000001', 'user',
     'The door sticker says 35 psi and they were all around 29 or 30. I filled them up at the gas station, but the light is still on.',
     '{}'),
    ('2025-03-14 07:48:12+00', NULL, 'assistant',
     'That was the cause. Your CR-V uses an indirect system that watches wheel speeds, so after adjusting the pressures you need to start a TPMS calibration from the vehicle settings menu and then drive normally; the light goes out once the calibration completes, which takes some driving at steady speeds. If one tire keeps losing air over the next few days, look for a nail and have it checked.',
     '{"provider":"extractive","kb_ids":["b0000000-0000-4000-8000-000000000018"]}'),
    ('2025-03-14 08:02:00+00', 'a0000000-0000-4000-8000-000000000001', 'user',
     'Found the calibration option, and the light went off on the way to work. Thanks!',
     '{}')
  ) AS v(at, sender_id, role, content, metadata)
 WHERE NOT EXISTS (SELECT 1 FROM chat_messages m WHERE m.thread_id = 'e0000000-0000-4000-8000-000000000002')
 ORDER BY v.at;

-- Thread 03: James, F-150 harsh downshifts (support ticket TP-10042, tech.lee)
INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata, created_at, updated_at)
SELECT 'e0000000-0000-4000-8000-000000000003', v.sender_id::uuid, v.role, v.content, v.metadata::jsonb,
       v.at::timestamptz, v.at::timestamptz
  FROM (VALUES
    ('2025-03-05 16:30:00+00', 'a0000000-0000-4000-8000-000000000002', 'user',
     'My 2017 F-150 bangs into gear when I slow down for a stop, like a hard downshift around 10 mph. Sometimes there is a clunk going into reverse too. It is worse once it has warmed up.',
     '{}'),
    ('2025-03-05 16:30:25+00', NULL, 'assistant',
     'Harsh downshifts when coming to a stop are a common complaint on the 10-speed transmission used in 2017 and later F-150s. Ford has released several software updates and service bulletins for shift quality, and the transmission uses adaptive learning, so a technician will usually check for updates for your VIN and reset and relearn the adaptive values first. The fluid level on this transmission is checked at a set temperature on a lift, so it is not something you can check at home. Please avoid towing until it has been looked at.',
     '{"provider":"extractive","kb_ids":["b0000000-0000-4000-8000-000000000023","b0000000-0000-4000-8000-000000000010"]}'),
    ('2025-03-07 10:12:00+00', 'a0000000-0000-4000-8000-000000000012', 'technician',
     'Hi James, Lee here. Your truck had an outstanding calibration update, so I installed it and did the adaptive relearn drive. The downshifts are smoother, but there is still a bump into reverse and a stored shift solenoid pressure code. Fluid level and condition are good. I recommend replacing the main control (valve body); the estimate is on work order WO-5104.',
     '{}'),
    ('2025-03-07 10:30:00+00', 'a0000000-0000-4000-8000-000000000002', 'user',
     'OK, go ahead. How long will it take? I need the truck for work.',
     '{}'),
    ('2025-03-08 08:30:00+00', 'a0000000-0000-4000-8000-000000000012', 'technician',
     'The valve body is on backorder from Ford, currently about five business days. The truck is fine to drive in the meantime, just no towing. We will call you as soon as the part arrives; the job itself takes about four hours.',
     '{}')
  ) AS v(at, sender_id, role, content, metadata)
 WHERE NOT EXISTS (SELECT 1 FROM chat_messages m WHERE m.thread_id = 'e0000000-0000-4000-8000-000000000003')
 ORDER BY v.at;

-- Thread 04: James, Rogue CVT shudder (support ticket TP-10043, not yet assigned)
INSERT INTO chat_messages (thread_id, sender_id, role, content, metadata, created_at, updated_at)
SELECT 'e0000000-0000-4000-8000-000000000004', v.sender_id::uuid, v.role, v.content, v.metadata::jsonb,
       v.at::timestamptz, v.at::timestamptz
  FROM (VALUES
    ('2025-03-12 18:45:00+00', 'a0000000-0000-4000-8000-000000000002', 'user',
     'Our 2016 Rogue shudders when you accelerate gently around 25 to 35 mph. It feels like driving over rumble strips. No warning lights, 96,000 miles.',
     '{}'),
    ('2025-03-12 18:45:20+00', NULL, 'assistant',
     'That matches CVT judder, the most common complaint on the CVT in the 2014-2020 Rogue. It usually comes from the torque converter lock-up or from CVT fluid that has degraded. Nissan has released software reprogramming for judder and has extended CVT coverage on some model years, so it is worth having a Nissan dealer run the VIN for open campaigns before paying for a repair. Do you know whether the CVT fluid has ever been changed? The Rogue needs genuine Nissan NS-3 fluid.',
     '{"provider":"extractive","kb_ids":["b0000000-0000-4000-8000-000000000024"]}'),
    ('2025-03-12 18:52:00+00', 'a0000000-0000-4000-8000-000000000002', 'user',
     'Not that I know of. We bought it used at 60,000 miles. Can you do the fluid change?',
     '{}'),
    ('2025-03-12 18:53:00+00', NULL, 'assistant',
     'Yes. A technician will first road test the car and check for stored codes such as P17F0, then a CVT fluid replacement with NS-3 can be done; it sometimes cures mild shudder. Your ticket TP-10043 is in the queue and a technician will be assigned shortly. Until then, avoid hard acceleration and towing.',
     '{"provider":"extractive","kb_ids":["b0000000-0000-4000-8000-000000000024"]}')
  ) AS v(at, sender_id, role, content, metadata)
 WHERE NOT EXISTS (SELECT 1 FROM chat_messages m WHERE m.thread_id = 'e0000000-0000-4000-8000-000000000004')
 ORDER BY v.at;

-- Relationships ---------------------------------------------------------------------------------------------
INSERT INTO relationships (id, source_entity_id, target_entity_id, relationship_type, metadata, created_at) VALUES
    ('90000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001', 'owns_vehicle', '{"odometer_mi":118000}', '2025-03-01 09:00:00+00'),
    ('90000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000002', 'owns_vehicle', '{}',                    '2025-03-01 09:00:00+00'),
    ('90000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000003', 'owns_vehicle', '{}',                    '2025-03-01 09:00:00+00'),
    ('90000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-000000000002', 'f0000000-0000-4000-8000-000000000004', 'owns_vehicle', '{}',                    '2025-03-01 09:00:00+00'),
    ('90000000-0000-4000-8000-000000000005', 'a0000000-0000-4000-8000-000000000002', 'f0000000-0000-4000-8000-000000000005', 'owns_vehicle', '{"odometer_mi":96000}', '2025-03-01 09:00:00+00'),
    ('90000000-0000-4000-8000-000000000006', 'a0000000-0000-4000-8000-000000000002', 'f0000000-0000-4000-8000-000000000006', 'owns_vehicle', '{}',                    '2025-03-01 09:00:00+00'),
    ('90000000-0000-4000-8000-000000000011', 'c0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001', 'ticket_for_vehicle', '{}', '2025-03-10 14:10:00+00'),
    ('90000000-0000-4000-8000-000000000012', 'c0000000-0000-4000-8000-000000000002', 'f0000000-0000-4000-8000-000000000004', 'ticket_for_vehicle', '{}', '2025-03-05 16:40:00+00'),
    ('90000000-0000-4000-8000-000000000013', 'c0000000-0000-4000-8000-000000000003', 'f0000000-0000-4000-8000-000000000005', 'ticket_for_vehicle', '{}', '2025-03-12 18:50:00+00')
ON CONFLICT (id) DO NOTHING;

COMMIT;
