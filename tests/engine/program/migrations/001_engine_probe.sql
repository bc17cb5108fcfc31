create table engine_probe (id int primary key, note text not null);
insert into engine_probe (id, note) values (1, 'applied by the engine test');
